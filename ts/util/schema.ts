// The one config validator: each stage declares its keys as data (type, range, default, doc string,
// where the name comes from), and every config object, preset, config file and CLI flag is checked
// against that declaration. Every problem is collected and named (key, value, what is allowed),
// then thrown at once.

interface FieldBase<T> {
  /** One line for help texts and docs. */
  doc: string;
  /** The value when the key is absent; a key with no default is required unless `optional`. */
  default?: T;
  /** Absent stays absent (no default, not required). */
  optional?: boolean;
  /** Where the name comes from (docs/rl.md's table). */
  source?: 'TRL' | 'verl' | 'HF' | 'ours';
  /** A check beyond the type: returns what is allowed when `value` is not, else undefined. */
  check?: (value: T, config: Record<string, unknown>) => string | undefined;
  /** Reads the value from command-line text (default: by the field's type). */
  parse?: (text: string) => unknown;
  /** How help texts show the value (default: JSON). */
  show?: (value: T) => string;
  /** How help texts name the value (default: by type). */
  value?: string;
}

export type Field =
  | ({ type: 'int'; min?: number; max?: number } & FieldBase<number>)
  /** aboveMin: min itself is not allowed. */
  | ({ type: 'number'; min?: number; max?: number; aboveMin?: boolean } & FieldBase<number>)
  | ({ type: 'boolean' } & FieldBase<boolean>)
  | ({ type: 'enum'; values: readonly string[] } & FieldBase<string>)
  | ({ type: 'string' } & FieldBase<string>)
  /** Anything JSON (lists, objects); `check` says what is allowed. */
  | ({ type: 'json' } & FieldBase<unknown>);

export type Schema = Record<string, Field>;

/** Names a stage used before, and the names they became. */
export interface Renames {
  keys?: Record<string, string>;
  /** key -> old value -> new value */
  values?: Record<string, Record<string, string>>;
}

export interface StageSchema {
  /** What the errors call a config of this stage ("run config", "RL config", ...). */
  what: string;
  fields: Schema;
  renamed?: Renames;
  /** Checks across keys, run once every key is valid on its own: returns the problems. */
  across?: (config: Record<string, unknown>) => string[];
}

const show = (v: unknown) => JSON.stringify(v);

/** What `field` allows, in words ("an integer >= 1", "one of "a", "b"", ...). */
export function allowed(f: Field): string {
  switch (f.type) {
    case 'int':
      return f.max === undefined ? `an integer >= ${f.min ?? 0}` : `an integer in [${f.min ?? 0}, ${f.max}]`;
    case 'number': {
      const lo = f.min ?? -Infinity;
      const hi = f.max ?? Infinity;
      return `a number in ${f.aboveMin ? '(' : '['}${lo}, ${hi}]`;
    }
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${f.values.map(show).join(', ')}`;
    case 'string':
      return 'a string';
    case 'json':
      return 'JSON';
  }
}

/** The problem with `v` as a value of `f`, or undefined when it is allowed. */
function problem(key: string, f: Field, v: unknown, c: Record<string, unknown>): string | undefined {
  const bad = (what: string) => `${key} must be ${what} (got ${show(v)})`;
  switch (f.type) {
    case 'int': {
      const n = v as number;
      if (!Number.isSafeInteger(n) || n < (f.min ?? 0) || n > (f.max ?? Infinity)) return bad(allowed(f));
      break;
    }
    case 'number': {
      const n = v as number;
      const lo = f.min ?? -Infinity;
      if (
        typeof v !== 'number' ||
        !Number.isFinite(n) ||
        n < lo ||
        (f.aboveMin && n === lo) ||
        n > (f.max ?? Infinity)
      ) {
        return bad(allowed(f));
      }
      break;
    }
    case 'boolean':
      if (typeof v !== 'boolean') return bad(allowed(f));
      break;
    case 'enum':
      if (!f.values.includes(v as string)) return bad(allowed(f));
      break;
    case 'string':
      if (typeof v !== 'string') return bad(allowed(f));
      break;
  }
  const why = (f.check as ((v: unknown, c: Record<string, unknown>) => string | undefined) | undefined)?.(v, c);
  return why === undefined ? undefined : bad(why);
}

/** What renaming asks of `key` = `value`, or undefined when neither is an old name. */
export function renamedMessage(r: Renames | undefined, key: string, value?: unknown): string | undefined {
  const to = r?.keys?.[key];
  if (to) return `${key} was renamed ${to}`;
  const v = typeof value === 'string' ? r?.values?.[key]?.[value] : undefined;
  return v ? `${key} ${show(value)} was renamed ${show(v)}` : undefined;
}

/**
 * Checks `raw` against the schema and returns it with defaults filled in, keys in schema order.
 * Throws one error naming every unknown, renamed, missing or bad key.
 */
export function validate<T>(s: StageSchema, raw: unknown): T {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new Error(`${s.what} must be a JSON object`);
  const given = raw as Record<string, unknown>;
  const bad: string[] = [];
  for (const [k, v] of Object.entries(given)) {
    const renamed = renamedMessage(s.renamed, k, v);
    if (renamed) bad.push(renamed);
    else if (!(k in s.fields)) bad.push(`unknown field '${k}'`);
  }
  const c: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(s.fields)) {
    const v = given[k] !== undefined ? given[k] : f.default;
    if (v !== undefined) c[k] = v;
    else if (!f.optional) bad.push(`${k} is required (${f.doc})`);
  }
  for (const [k, f] of Object.entries(s.fields)) {
    if (c[k] === undefined || renamedMessage(s.renamed, k, c[k])) continue;
    const p = problem(k, f, c[k], c);
    if (p) bad.push(p);
  }
  if (!bad.length && s.across) bad.push(...s.across(c));
  if (bad.length) throw new Error(`bad ${s.what}: ${bad.join('; ')}`);
  return c as T;
}

/** `raw` with old key names and values replaced by their new ones (a config written before the renames). */
export function upgrade(r: Renames | undefined, raw: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = r?.keys?.[k] ?? k;
    out[key] = (typeof v === 'string' && r?.values?.[key]?.[v]) || v;
  }
  return out;
}

/** A field's value from command-line text: numbers and booleans by type, JSON where it parses. */
export function parseText(key: string, f: Field, text: string): unknown {
  if (f.parse) return f.parse(text);
  switch (f.type) {
    case 'int':
    case 'number': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new Error(`${key} must be ${allowed(f)} (got '${text}')`);
      return n;
    }
    case 'boolean':
      if (text !== 'true' && text !== 'false') throw new Error(`${key} must be true or false (got '${text}')`);
      return text === 'true';
    case 'enum':
    case 'string':
      return text;
    case 'json':
      try {
        return JSON.parse(text);
      } catch {
        return text;
      }
  }
}

/** How help texts name a value of `f`: N, X, one|two, ... */
export function placeholder(f: Field): string {
  if (f.value) return f.value;
  if (f.type === 'enum') return f.values.join('|');
  return { int: 'N', number: 'X', boolean: 'true|false', string: 'TEXT', json: 'JSON' }[f.type];
}

/** A value as help texts show it. */
export function showValue(f: Field, v: unknown): string {
  if (v === undefined) return '';
  return (f.show as ((v: unknown) => string) | undefined)?.(v) ?? (typeof v === 'string' ? v : JSON.stringify(v));
}
