// Commands declare their options as data; Node's util.parseArgs reads the command line against that
// declaration, which also gives each value its type and range check and writes the help text. A flag
// a command does not declare is refused (a typo costs nothing), and an old flag name says the new one.
import { parseArgs } from 'node:util';

export interface Option {
  type: 'string' | 'int' | 'number' | 'boolean';
  help: string;
  /** The value when the option is not given; shown in help. */
  default?: string | number | boolean;
  required?: boolean;
  choices?: readonly string[];
  /** The range of an int or number. */
  min?: number;
  max?: number;
  /** How help names the value: DIR, FILE, N, ... (default: by type). */
  value?: string;
  /** The config key this option sets (options generated from a stage's schema). */
  key?: string;
  /** Reads the value from its text (a config key's own reading, e.g. "11-14" -> [11, 14]). */
  parse?: (text: string) => unknown;
  /** Shown in help instead of `default` (a default that depends on other options). */
  shownDefault?: string;
}

export type Options = Record<string, Option>;

/** Words a command takes besides its options (e.g. the files `repro compare` reads). */
export interface Positionals {
  /** How help names them, e.g. 'A.json B.json'. */
  value: string;
  help: string;
  min: number;
  max: number;
}

export interface Command {
  /** One line for `help`: what the command does. */
  summary: string;
  options?: Options;
  positionals?: Positionals;
  /** Old flag name -> what to write instead ("--lr was renamed --learning-rate"). */
  retired?: Record<string, string>;
  /** Commands under this one (`data sample`, ...). */
  subcommands?: Record<string, Command>;
  run(args: Args): Promise<void>;
}

/** snake_case config key -> kebab-case flag name. */
export const flagOf = (key: string): string => key.replace(/_/g, '-');

/** The options a command was given, typed and checked against its declaration. */
export class Args {
  constructor(
    readonly command: string,
    readonly options: Options,
    private readonly given: Map<string, unknown>,
    /** The words declared by the command's `positionals`, in order. */
    readonly positionals: string[] = [],
  ) {}

  private spec(name: string): Option {
    const o = this.options[name];
    if (!o) throw new Error(`${this.command} reads --${name} but does not declare it (harness/cli)`);
    return o;
  }

  /** Whether the option was on the command line. */
  has(name: string): boolean {
    this.spec(name);
    return this.given.has(name);
  }

  /** The option's value: given, else its default (undefined when it has none). */
  value(name: string): unknown {
    if (this.given.has(name)) return this.given.get(name);
    const o = this.spec(name);
    return o.parse && typeof o.default === 'string' ? o.parse(o.default) : o.default;
  }

  str(name: string): string {
    return this.value(name) as string;
  }

  optStr(name: string): string | undefined {
    return this.value(name) as string | undefined;
  }

  num(name: string): number {
    return this.value(name) as number;
  }

  flag(name: string): boolean {
    return this.value(name) === true;
  }

  /** The config keys given as flags, key -> value. */
  keys(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, v] of this.given) {
      const key = this.options[name].key;
      if (key) out[key] = v;
    }
    return out;
  }
}

/** One option's text as its declared type, or an error naming the flag and what it takes. */
function convert(name: string, o: Option, text: string): unknown {
  if (o.parse) {
    try {
      return o.parse(text);
    } catch (e) {
      throw new Error(`--${name}: ${(e as Error).message}`);
    }
  }
  if (o.choices && !o.choices.includes(text)) {
    throw new Error(`--${name} must be one of ${o.choices.join(', ')}, got '${text}'`);
  }
  if (o.type === 'int' || o.type === 'number') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got '${text}'`);
    if (o.type === 'int' && !Number.isSafeInteger(n)) throw new Error(`--${name} must be an integer, got '${text}'`);
    if (n < (o.min ?? -Infinity) || n > (o.max ?? Infinity)) {
      throw new Error(`--${name} must be in ${o.min ?? '-inf'}..${o.max ?? 'inf'}, got ${n}`);
    }
    return n;
  }
  return text;
}

/** Reads `argv` (the words after the command's name) against the command's declared options. */
export function parseOptions(command: string, cmd: Command, argv: string[]): Args {
  const options = cmd.options ?? {};
  const type = (o: Option) => (o.type === 'boolean' ? ('boolean' as const) : ('string' as const));
  const config = Object.fromEntries(Object.entries(options).map(([n, o]) => [n, { type: type(o) }]));
  // Not strict: the tokens are checked below, with errors that name the command and the fix.
  const { tokens } = parseArgs({ args: argv, options: config, strict: false, allowPositionals: true, tokens: true });
  const given = new Map<string, unknown>();
  const words: string[] = [];
  for (const t of tokens) {
    if (t.kind === 'positional' && cmd.positionals) words.push(t.value);
    else if (t.kind === 'positional') {
      throw new Error(`${command}: unexpected argument '${t.value}' (options are --name value)`);
    }
    if (t.kind !== 'option') continue;
    const o = options[t.name];
    if (!o || t.rawName.length === 2) {
      const retired = cmd.retired?.[t.name];
      throw new Error(retired ?? `${command}: unknown option ${t.rawName}; \`${command} --help\` lists its options`);
    }
    // Given twice, the last one counts (a script may append an override).
    if (o.type === 'boolean') {
      if (t.value !== undefined) throw new Error(`${command}: --${t.name} takes no value (got '${t.value}')`);
      given.set(t.name, true);
    } else {
      if (t.value === undefined) throw new Error(`${command}: option --${t.name} needs a value`);
      given.set(t.name, convert(t.name, o, t.value));
    }
  }
  for (const [name, o] of Object.entries(options)) {
    if (o.required && !given.has(name)) throw new Error(`${command}: missing option --${name} (${o.help})`);
  }
  const p = cmd.positionals;
  if (p && (words.length < p.min || words.length > p.max)) {
    const count = p.min === p.max ? `${p.min}` : `${p.min} to ${p.max}`;
    throw new Error(`${command} takes ${count} arguments (${p.value}: ${p.help}), got ${words.length}`);
  }
  return new Args(command, options, given, words);
}

function placeholder(o: Option): string {
  if (o.type === 'boolean') return '';
  return o.value ?? o.choices?.join('|') ?? { string: 'TEXT', int: 'N', number: 'X' }[o.type];
}

/** The usage line and one line per option, from the declaration. */
export function helpText(command: string, cmd: Command): string {
  const options = Object.entries(cmd.options ?? {});
  const required = options.filter(([, o]) => o.required).map(([n, o]) => `--${n} ${placeholder(o)}`.trim());
  const more = options.length > required.length ? '[options]' : '';
  const words = cmd.positionals ? [cmd.positionals.value] : [];
  const usage = `usage: npm run --silent cli -- ${command} ${[...words, ...required, more].join(' ')}`;
  const heads = options.map(([n, o]) => `  --${n} ${placeholder(o)}`.trimEnd());
  const width = Math.min(40, Math.max(0, ...heads.map((h) => h.length)) + 2);
  const lines = options.map(([, o], i) => {
    const shown = o.shownDefault ?? (o.default === undefined ? undefined : String(o.default));
    const tail = o.required ? ' (required)' : shown !== undefined && shown !== '' ? ` (default: ${shown})` : '';
    const head = heads[i].length >= width ? `${heads[i]}\n${' '.repeat(width)}` : heads[i].padEnd(width);
    return `${head}${o.help}${tail}`;
  });
  const about = cmd.positionals ? [`  ${cmd.positionals.value}: ${cmd.positionals.help}`] : [];
  return [`${command}: ${cmd.summary}`, usage.trimEnd(), ...about, ...lines].join('\n');
}
