// Field checks for configuration objects: every problem is collected and named, then thrown at once.
export class FieldChecker {
  readonly bad: string[] = [];

  constructor(readonly c: Record<string, unknown>) {}

  /**
   * A checker over `raw` merged onto `defaults` (`c` holds the merge). Refuses a non-object, and notes
   * each field of `raw` that neither `defaults` nor `extra` names.
   */
  static withDefaults(raw: unknown, defaults: object, what: string, extra: readonly string[] = []): FieldChecker {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${what} must be a JSON object`);
    const f = new FieldChecker({ ...defaults, ...raw });
    f.unknown(raw, [...Object.keys(defaults), ...extra]);
    return f;
  }

  int(k: string, min: number): void {
    const v = this.c[k];
    if (!Number.isInteger(v) || (v as number) < min) this.bad.push(`${k} must be an integer >= ${min} (got ${JSON.stringify(v)})`);
  }

  /** A finite number in [lo, hi] (or (lo, hi] when `openLow`). */
  num(k: string, lo: number, hi: number, openLow = false): void {
    const v = this.c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi || (openLow && v === lo)) {
      this.bad.push(`${k} must be a number in ${openLow ? '(' : '['}${lo}, ${hi}] (got ${JSON.stringify(v)})`);
    }
  }

  oneOf(k: string, options: readonly unknown[]): void {
    if (!options.includes(this.c[k])) this.bad.push(`${k} must be one of ${options.map((o) => JSON.stringify(o)).join(', ')} (got ${JSON.stringify(this.c[k])})`);
  }

  /** Fields of `given` that no default names. */
  unknown(given: object, known: Iterable<string>): void {
    const k = new Set(known);
    for (const f of Object.keys(given)) if (!k.has(f)) this.bad.push(`unknown field '${f}'`);
  }

  throwIfBad(what: string): void {
    if (this.bad.length) throw new Error(`${what}: ${this.bad.join('; ')}`);
  }
}
