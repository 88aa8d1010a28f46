// Test helper: corrupts gold solutions in the five ways the issue names, and checks that a verdict
// carries the right label for each. It reads the gold text with a plain regular expression (gold
// solutions are well formed), independently of the verifier it tests, and says for each corruption
// which gold nodes must get which issues: a changed value is also wrong where later steps write
// the old number for its letter (the verifier checks that each written number matches its letter),
// and a swapped letter also changes the step's arithmetic unless both letters hold the same value.
import { REWARD_PRESETS, type Verdict } from '../../ts/data/verifier.js';
export { rng } from '../util/random.js';

export type CorruptionKind = 'value' | 'dependency' | 'removed' | 'answer_only' | 'right_answer_wrong_step';
export const CORRUPTIONS: readonly CorruptionKind[] = [
  'value',
  'dependency',
  'removed',
  'answer_only',
  'right_answer_wrong_step',
];

export interface Gold {
  solution: string;
  answer: number;
}

export type Issue = 'value_mismatch' | 'dependency_mismatch';

export interface Corrupted {
  output: string;
  /** Index of the corrupted gold node (-1 for answer_only). */
  node: number;
  kind: CorruptionKind;
  /** For value, dependency and right_answer_wrong_step: every gold node's issues (none if absent). */
  issues?: Map<number, Issue[]>;
}

interface Clause {
  start: number; // absolute offsets of the clause text (after "; ")
  end: number;
  segments: number; // "L = a = b" has 2
}

interface Block {
  start: number;
  end: number; // just after the closing period
  name: string;
  letter: string;
  clauses: Clause[];
  /** The step's value as the gold writes it ("7", "3*x + 1"; "x" for the reverse-mode unknown). */
  value: string;
}

const BLOCK = /Define ([^;.]+?) as ([A-Za-z]); ([^.]*)\./g;

export function blocks(solution: string): Block[] {
  const out: Block[] = [];
  for (const m of solution.matchAll(BLOCK)) {
    const bodyStart = m.index + m[0].length - m[3].length - 1;
    const clauses: Clause[] = [];
    let at = bodyStart;
    for (const text of m[3].split('; ')) {
      clauses.push({ start: at, end: at + text.length, segments: text.split(' = ').length - 1 });
      at += text.length + 2;
    }
    const last = m[3].split('; ').at(-1)!;
    const value = last.startsWith('so ') ? last.slice(last.lastIndexOf(' = ') + 3) : 'x';
    out.push({ start: m.index, end: m.index + m[0].length, name: m[1], letter: m[2], clauses, value });
  }
  return out;
}

const mentions = (text: string, letter: string): boolean => new RegExp(`\\b${letter}\\b`).test(text);

/**
 * The nodes that read block k's letter after it (until a block rebinds the letter), and, in reverse
 * mode, the unknown when the closing ("We know L = ...") reads it.
 */
function readers(text: string, all: Block[], k: number): number[] {
  const letter = all[k].letter;
  const out: number[] = [];
  for (let j = k + 1; j < all.length; j++) {
    const b = all[j];
    const clauses = b.clauses.map((c) => text.slice(c.start, c.end)).filter((c) => c.includes(' = '));
    if (clauses.some((c) => mentions(c.slice(c.indexOf('=') + 1), letter))) out.push(j);
    if (b.letter === letter || clauses.some((c) => c.replace(/^so /, '').startsWith(`${letter} =`))) return out;
  }
  const isUnknown = (b: Block): boolean =>
    b.value === 'x' && !b.clauses.some((c) => text.slice(c.start, c.end).startsWith('so '));
  const unknown = all.findIndex(isUnknown);
  if (unknown >= 0 && text.slice(all[all.length - 1].end).includes(`We know ${letter} =`)) out.push(unknown);
  return out;
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

function shuffled(n: number, r: () => number): number[] {
  const xs = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

/** The gold as a model would write it: gold format, or the RL format with <answer> tags. */
export function asOutput(g: Gold, body: string, rlFormat: boolean): string {
  return rlFormat ? `${body} </solution> <answer> ${g.answer} </answer>` : `${body} Answer: ${g.answer}.`;
}

export function body(solution: string): string {
  return solution.slice(0, solution.lastIndexOf(' Answer: '));
}

function splice(s: string, start: number, end: number, text: string): string {
  return s.slice(0, start) + text + s.slice(end);
}

/** Changes the value that ends node k's "so" clause; null if node k has none. */
function changeValue(text: string, b: Block, r: () => number): string | null {
  const so = b.clauses[b.clauses.length - 1];
  const clause = text.slice(so.start, so.end);
  if (!clause.startsWith('so ')) return null;
  const cut = clause.lastIndexOf(' = ') + 3;
  const last = clause.slice(cut);
  const d = 1 + Math.floor(r() * 3);
  const changed = /^\d+$/.test(last) ? String(Number(last) + d) : `${last} + ${d}`;
  return splice(text, so.start + cut, so.end, changed);
}

/** Replaces one node letter that a clause of block k reads with another node's letter. */
function swapDependency(
  text: string,
  all: Block[],
  k: number,
  r: () => number,
): { text: string; same: boolean } | null {
  const b = all[k];
  const earlier = new Set(all.slice(0, k).map((x) => x.letter));
  const used = new Set(text.slice(b.start, b.end).match(/\b[A-Za-z]\b/g) ?? []);
  const replacements = [...earlier].filter((l) => !used.has(l));
  const sites: { at: number; letter: string }[] = [];
  for (const c of b.clauses) {
    if (c.segments < 2) continue;
    const clause = text.slice(c.start, c.end);
    const s1 = clause.indexOf(' = ') + 3;
    const e1 = clause.indexOf(' = ', s1);
    for (const m of clause.slice(s1, e1).matchAll(/\b[A-Za-z]\b/g)) {
      if (earlier.has(m[0])) sites.push({ at: c.start + s1 + m.index, letter: m[0] });
    }
  }
  if (!sites.length || !replacements.length) return null;
  const site = pick(r, sites);
  const to = pick(r, replacements);
  const value = (l: string): string =>
    all
      .slice(0, k)
      .filter((b) => b.letter === l)
      .at(-1)!.value;
  return { text: splice(text, site.at, site.at + 1, to), same: value(to) === value(site.letter) };
}

/** One corruption of `kind` of gold `g`, or null when this gold offers no site for it. */
export function corrupt(g: Gold, kind: CorruptionKind, r: () => number, rlFormat: boolean): Corrupted | null {
  const text = body(g.solution);
  const all = blocks(text);
  if (kind === 'answer_only')
    return { output: rlFormat ? `<answer> ${g.answer} </answer>` : `Answer: ${g.answer}.`, node: -1, kind };
  if (kind === 'removed') {
    const k = Math.floor(r() * all.length);
    const b = all[k];
    const end = text[b.end] === ' ' ? b.end + 1 : b.end;
    return { output: asOutput(g, splice(text, b.start, end, ''), rlFormat), node: k, kind };
  }
  // value / dependency on any node; right_answer_wrong_step on a node before the last one.
  const last = kind === 'right_answer_wrong_step' ? all.length - 1 : all.length;
  for (const k of shuffled(last, r)) {
    const how = kind === 'right_answer_wrong_step' ? (r() < 0.5 ? 'value' : 'dependency') : kind;
    const issues = new Map<number, Issue[]>();
    let changed: string | null;
    if (how === 'value') {
      changed = changeValue(text, all[k], r);
      for (const j of [k, ...readers(text, all, k)]) issues.set(j, ['value_mismatch']);
    } else {
      const swap = swapDependency(text, all, k, r);
      changed = swap?.text ?? null;
      issues.set(k, swap?.same ? ['dependency_mismatch'] : ['value_mismatch', 'dependency_mismatch']);
    }
    if (changed !== null) return { output: asOutput(g, changed, rlFormat), node: k, kind, issues };
  }
  return null;
}

/** Whether verdict `v` (judged with the default config) labels corruption `c` right; why not, else null. */
export function wrongLabel(v: Verdict, c: Corrupted): string | null {
  const n = v.counts.goldNodes;
  const target = v.nodes[c.node];
  if (v.status !== 'ok') return `status ${v.status}`;
  switch (c.kind) {
    case 'value':
    case 'dependency':
    case 'right_answer_wrong_step': {
      // Exactly the expected issues at every node, the right answer, and the SPEC §5 reward.
      let penalty = 0;
      for (const [i, node] of v.nodes.entries()) {
        const want = c.issues?.get(i) ?? [];
        penalty += want.length;
        if (node.issues.join() !== want.join()) {
          return `node ${i}: issues [${node.issues}] where [${want}] were expected`;
        }
      }
      if (v.outcome !== 1 || v.processCorrect) return 'expected right answer, not process-correct';
      const reward = 0.2 + 0.8 * Math.max(0, 1 - penalty / n);
      if (Math.abs(v.reward - reward) > 1e-12) return `reward ${v.reward} where ${reward} was expected`;
      return null;
    }
    case 'removed':
      if (target.issues.join() !== 'missing_node' || v.counts.missing !== 1 || v.counts.extra !== 0)
        return 'expected exactly the removed node missing';
      if (v.processCorrect) return 'a solution with a missing step is not process-correct';
      return null;
    case 'answer_only':
      if (v.counts.missing !== n || v.outcome !== 1 || v.process !== 0 || v.processCorrect)
        return 'expected all nodes missing, right answer';
      if (v.reward !== REWARD_PRESETS.process80.outcomeWeight) return `expected reward 0.2, got ${v.reward}`;
      return null;
  }
}
