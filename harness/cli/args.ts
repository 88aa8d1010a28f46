// Minimal `--name value` / `--flag` parser with typed getters that name the bad option.
export class Args {
  readonly positional: string[] = [];
  private readonly opts = new Map<string, string | true>();
  private readonly used = new Set<string>();

  constructor(argv: string[]) {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i];
      if (a.startsWith('--')) {
        const eq = a.indexOf('=');
        if (eq > 0) this.opts.set(a.slice(2, eq), a.slice(eq + 1));
        else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) this.opts.set(a.slice(2), argv[++i]);
        else this.opts.set(a.slice(2), true);
      } else this.positional.push(a);
    }
  }

  has(name: string): boolean {
    this.used.add(name);
    return this.opts.has(name);
  }

  str(name: string, fallback?: string): string {
    this.used.add(name);
    const v = this.opts.get(name);
    if (v === undefined) {
      if (fallback === undefined) throw new Error(`missing option --${name}`);
      return fallback;
    }
    if (v === true) throw new Error(`option --${name} needs a value`);
    return v;
  }

  optStr(name: string): string | undefined {
    return this.has(name) ? this.str(name) : undefined;
  }

  int(name: string, fallback?: number): number {
    const s = this.str(name, fallback === undefined ? undefined : String(fallback));
    const n = Number(s);
    if (!Number.isInteger(n)) throw new Error(`option --${name} must be an integer, got '${s}'`);
    return n;
  }

  num(name: string, fallback?: number): number {
    const s = this.str(name, fallback === undefined ? undefined : String(fallback));
    const n = Number(s);
    if (!Number.isFinite(n)) throw new Error(`option --${name} must be a number, got '${s}'`);
    return n;
  }

  /** The options the command has asked for so far, given or not (test/unit/cli-help.test.ts holds help to them). */
  get asked(): ReadonlySet<string> {
    return this.used;
  }

  /**
   * Throws on options no command asked for, so a typo is not silently ignored. A command reads all
   * its options, then calls this before any work: a typo costs nothing, and the help test sees them.
   */
  checkAllUsed(): void {
    const unknown = [...this.opts.keys()].filter((k) => !this.used.has(k));
    if (unknown.length) throw new Error(`unknown option(s): ${unknown.map((k) => '--' + k).join(', ')}`);
  }
}
