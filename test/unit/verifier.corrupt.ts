// Test helper: corrupts gold solutions in the five ways the issue names, and checks that a verdict
// carries the right label for each. It reads the gold text with a plain regular expression (gold
// solutions are well formed), independently of the verifier it tests.
import { REWARD_PRESETS, type Verdict } from '../../ts/data/verifier.js';
export { rng } from '../util/random.js';

export type CorruptionKind = 'value' | 'dependency' | 'removed' | 'answer_only' | 'right_answer_wrong_step';
export const CORRUPTIONS: readonly CorruptionKind[] = ['value', 'dependency', 'removed', 'answer_only', 'right_answer_wrong_step'];

export interface Gold {
  solution: string;
  answer: number;
}

export interface Corrupted {
  output: string;
  /** Index of the corrupted gold node (-1 for answer_only). */
  node: number;
  kind: CorruptionKind;
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
    out.push({ start: m.index, end: m.index + m[0].length, name: m[1], letter: m[2], clauses });
  }
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
function swapDependency(text: string, all: Block[], k: number, r: () => number): string | null {
  const b = all[k];
  const earlier = new Set(all.slice(0, k).map((x) => x.letter));
  const used = new Set(text.slice(b.start, b.end).match(/\b[A-Za-z]\b/g) ?? []);
  const replacements = [...earlier].filter((l) => !used.has(l));
  const sites: { at: number }[] = [];
  for (const c of b.clauses) {
    if (c.segments < 2) continue;
    const clause = text.slice(c.start, c.end);
    const s1 = clause.indexOf(' = ') + 3;
    const e1 = clause.indexOf(' = ', s1);
    for (const m of clause.slice(s1, e1).matchAll(/\b[A-Za-z]\b/g)) {
      if (earlier.has(m[0])) sites.push({ at: c.start + s1 + m.index });
    }
  }
  if (!sites.length || !replacements.length) return null;
  const site = pick(r, sites);
  return splice(text, site.at, site.at + 1, pick(r, replacements));
}

/** One corruption of `kind` of gold `g`, or null when this gold offers no site for it. */
export function corrupt(g: Gold, kind: CorruptionKind, r: () => number, rlFormat: boolean): Corrupted | null {
  const text = body(g.solution);
  const all = blocks(text);
  if (kind === 'answer_only') return { output: rlFormat ? `<answer> ${g.answer} </answer>` : `Answer: ${g.answer}.`, node: -1, kind };
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
    const changed = how === 'value' ? changeValue(text, all[k], r) : swapDependency(text, all, k, r);
    if (changed !== null) return { output: asOutput(g, changed, rlFormat), node: k, kind };
  }
  return null;
}

/** Whether verdict `v` (judged with the default config) labels corruption `c` right; why not, else null. */
export function wrongLabel(v: Verdict, c: Corrupted): string | null {
  const n = v.counts.goldNodes;
  const others = v.nodes.filter((_, i) => i !== c.node);
  const target = v.nodes[c.node];
  const fine = (xs: typeof others): boolean => xs.every((x) => x.fine);
  if (v.status !== 'ok') return `status ${v.status}`;
  switch (c.kind) {
    case 'value':
      if (target.issues.join() !== 'value_mismatch' || !fine(others)) return 'expected one value mismatch at the corrupted node';
      if (v.outcome !== 1 || v.processCorrect) return 'expected right answer, not process-correct';
      return null;
    case 'dependency':
      if (target.issues.join() !== 'dependency_mismatch' || !fine(others)) return 'expected one dependency mismatch at the corrupted node';
      if (v.outcome !== 1 || v.processCorrect) return 'expected right answer, not process-correct';
      return null;
    case 'removed':
      if (target.issues.join() !== 'missing_node' || v.counts.missing !== 1 || v.counts.extra !== 0) return 'expected exactly the removed node missing';
      if (v.processCorrect) return 'a solution with a missing step is not process-correct';
      return null;
    case 'answer_only':
      if (v.counts.missing !== n || v.outcome !== 1 || v.process !== 0 || v.processCorrect) return 'expected all nodes missing, right answer';
      if (v.reward !== REWARD_PRESETS.process80.outcomeWeight) return `expected reward 0.2, got ${v.reward}`;
      return null;
    case 'right_answer_wrong_step': {
      if (v.outcome !== 1 || v.processCorrect || target.fine || !fine(others)) return 'expected right answer with exactly one wrong step';
      if (Math.abs(v.reward - (0.2 + 0.8 * (1 - 1 / n))) > 1e-12) return `unexpected reward ${v.reward}`;
      return null;
    }
  }
}
