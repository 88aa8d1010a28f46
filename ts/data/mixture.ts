// Data mixtures: what fraction of the training TOKENS comes from each (op, template, mode) cell.
// A spec is a product of three distributions (ops, templates, modes), or a weighted list of such
// products ("components") for mixes like "context A at op 2-20, context B at op 2 only". Every
// distribution is checked (each share a number in [0, 1], the shares summing to 1 within
// SHARE_TOLERANCE) and then normalized exactly, so typos like the study's (SPEC §8) are refused.
import { MAX_OP, MIN_OP, MODES, TEMPLATES, type Mode, type Template } from './generator.js';

export const SHARE_TOLERANCE = 1e-3;

/** Op groups of SPEC §4; a key may also be one op ("7") or an inclusive range ("11-14"). */
export const OP_GROUPS: Record<string, [number, number]> = { easy: [2, 4], medium: [5, 7], hard: [8, 10] };

export interface MixtureComponent {
  /** This component's fraction of the whole (only inside `components`; default 1 when alone). */
  share?: number;
  /** Op key (op, range "a-b", or group) -> share; the share is split evenly over the key's ops. */
  ops: Record<string, number>;
  /** Template -> share (default: all templates evenly). */
  templates?: Partial<Record<Template, number>>;
  /** Mode -> share (default: forward 0.5, reverse 0.5, as the study generated). */
  modes?: Partial<Record<Mode, number>>;
}

export type MixtureSpec = MixtureComponent | { components: MixtureComponent[] };

export interface Cell {
  op: number;
  template: Template;
  mode: Mode;
  /** Fraction of training tokens; the cells' shares sum to 1. */
  share: number;
}

/** Named mixtures of the study (SPEC §4 and §7). */
export const PRESETS: Record<string, MixtureSpec> = {
  uniform: { ops: { '2-10': 1 } },
  'easy-medium-hard-0.2-0.3-0.5': { ops: { easy: 0.2, medium: 0.3, hard: 0.5 } },
  midtrain: {
    components: [
      { share: 0.2, ops: { '2-10': 1 } },
      { share: 0.8, ops: { '11-14': 1 } },
    ],
  },
  ...Object.fromEntries(
    [0.001, 0.01, 0.1].map((b) => [
      `context-b-${b * 100}pct`,
      {
        components: [
          { share: 1 - b, ops: { '2-20': 1 }, templates: { crazy_zootopia: 1 } },
          { share: b, ops: { '2': 1 }, templates: { teachers_in_school: 1 } },
        ],
      },
    ]),
  ),
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks one distribution and returns it normalized to sum exactly 1. */
export function normalizeShares(where: string, shares: unknown): Map<string, number> {
  if (!isObject(shares) || Object.keys(shares).length === 0)
    throw new Error(`mixture ${where}: must be a non-empty object of shares`);
  let sum = 0;
  for (const [key, v] of Object.entries(shares)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`mixture ${where}: share of '${key}' must be a number, got ${JSON.stringify(v)}`);
    if (v < 0) throw new Error(`mixture ${where}: share of '${key}' is negative (${v})`);
    if (v > 1) throw new Error(`mixture ${where}: share of '${key}' is over 1 (${v})`);
    sum += v;
  }
  if (Math.abs(sum - 1) > SHARE_TOLERANCE) {
    throw new Error(`mixture ${where}: shares sum to ${+sum.toFixed(6)}, not 1 (tolerance ${SHARE_TOLERANCE})`);
  }
  return new Map(Object.entries(shares).map(([k, v]) => [k, (v as number) / sum]));
}

/** The ops a key names: "7", "11-14" or a group name. */
export function opsOfKey(key: string): number[] {
  const group = OP_GROUPS[key];
  const m = /^(\d+)(?:-(\d+))?$/.exec(key);
  const [lo, hi] = group ?? (m ? [Number(m[1]), Number(m[2] ?? m[1])] : [NaN, NaN]);
  if (!Number.isInteger(lo) || !(lo <= hi) || lo < MIN_OP || hi > MAX_OP) {
    throw new Error(
      `mixture ops: '${key}' is not an op in ${MIN_OP}..${MAX_OP}, a range like '2-10', or one of ${Object.keys(OP_GROUPS).join(', ')}`,
    );
  }
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}

/** Ops from command-line text, "2-20" or "2,5,11-14" (keys as opsOfKey reads them), sorted, each once. */
export function opList(text: string): number[] {
  return [...new Set(text.split(',').flatMap(opsOfKey))].sort((a, b) => a - b);
}

function opShares(where: string, ops: unknown): Map<number, number> {
  const out = new Map<number, number>();
  const owner = new Map<number, string>();
  for (const [key, share] of normalizeShares(`${where}ops`, ops)) {
    const list = opsOfKey(key);
    for (const op of list) {
      if (owner.has(op))
        throw new Error(`mixture ${where}ops: op ${op} is listed twice ('${owner.get(op)}' and '${key}')`);
      owner.set(op, key);
      out.set(op, share / list.length);
    }
  }
  return out;
}

function namedShares<T extends string>(
  where: string,
  shares: unknown,
  names: readonly T[],
  fallback: Record<string, number>,
): Map<T, number> {
  const m = normalizeShares(where, shares ?? fallback);
  for (const k of m.keys())
    if (!names.includes(k as T))
      throw new Error(`mixture ${where}: unknown name '${k}'; choose from ${names.join(', ')}`);
  return m as Map<T, number>;
}

function componentCells(c: unknown, where: string, weight: number): Cell[] {
  if (!isObject(c)) throw new Error(`mixture ${where}: must be an object with ops, templates and modes`);
  const extra = Object.keys(c).filter((k) => !['share', 'ops', 'templates', 'modes'].includes(k));
  if (extra.length)
    throw new Error(`mixture ${where}: unknown field(s) ${extra.join(', ')} (expected share, ops, templates, modes)`);
  const ops = opShares(where, c.ops);
  const templates = namedShares(
    `${where}templates`,
    c.templates,
    TEMPLATES,
    Object.fromEntries(TEMPLATES.map((t) => [t, 1 / TEMPLATES.length])),
  );
  const modes = namedShares(`${where}modes`, c.modes, MODES, { forward: 0.5, reverse: 0.5 });
  const cells: Cell[] = [];
  for (const [op, so] of ops) {
    for (const [template, st] of templates)
      for (const [mode, sm] of modes) cells.push({ op, template, mode, share: weight * so * st * sm });
  }
  return cells;
}

/**
 * Turns a spec (object, JSON text or preset name) into its cells with share > 0, sorted by op,
 * template and mode, shares summing to 1; throws a message naming the bad field otherwise.
 */
export function parseMixture(spec: unknown): Cell[] {
  if (typeof spec === 'string') {
    const text = spec.trim();
    if (PRESETS[text]) return parseMixture(PRESETS[text]);
    if (!text.startsWith('{'))
      throw new Error(`unknown mixture preset '${text}'; presets: ${Object.keys(PRESETS).join(', ')}`);
    try {
      spec = JSON.parse(text);
    } catch (e) {
      throw new Error(`mixture is not valid JSON: ${(e as Error).message}`);
    }
  }
  let cells: Cell[];
  if (isObject(spec) && 'components' in spec) {
    const list = spec.components;
    if (!Array.isArray(list) || list.length === 0) throw new Error('mixture components: must be a non-empty array');
    if (Object.keys(spec).length > 1) throw new Error('mixture: a spec with components has no other top-level field');
    const weights = normalizeShares(
      'component shares',
      Object.fromEntries(list.map((c, i) => [String(i), isObject(c) ? c.share : undefined])),
    );
    cells = list.flatMap((c, i) => componentCells(c, `components[${i}].`, weights.get(String(i))!));
  } else {
    if (isObject(spec) && spec.share !== undefined && spec.share !== 1)
      throw new Error('mixture: share is only meaningful inside components');
    cells = componentCells(spec, '', 1);
  }
  const merged = new Map<string, Cell>();
  for (const c of cells) {
    if (c.share <= 0) continue;
    const key = `${c.op}/${c.template}/${c.mode}`;
    const had = merged.get(key);
    merged.set(key, had ? { ...had, share: had.share + c.share } : c);
  }
  const order = (c: Cell) => [c.op, TEMPLATES.indexOf(c.template), MODES.indexOf(c.mode)];
  return [...merged.values()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
}
