// Evaluation's numbers from per-problem counts (SPEC §6): pass@k by split, op and template, the rate
// of right answers with a wrong process, truncation. Pure arithmetic over ProblemResult rows, apart
// from sampling and judging (evaluate.ts), so a page can re-aggregate results without the engine.
import type { Mode, Template } from '../data/generator.js';
import { passAtK } from './passk.js';

export interface ProblemResult {
  id: string;
  op: number;
  template: Template;
  mode: Mode;
  promptTokens: number;
  /** Samples drawn; the prompt did not fit the context when `skipped` is set (counted as n failures). */
  n: number;
  cOutcome: number;
  cProcess: number;
  /** Completions that hit the token limit before the stop token. */
  truncated: number;
  /** Generated tokens over all n samples. */
  tokens: number;
  skipped?: 'prompt_too_long';
}

/** ID 2-10, OOD-edge 11-14, OOD-hard 15-20 (SPEC §6). */
export const SPLITS = [
  { name: 'ID', from: 2, to: 10 },
  { name: 'OOD-edge', from: 11, to: 14 },
  { name: 'OOD-hard', from: 15, to: 20 },
] as const;

export function splitOf(op: number): string | undefined {
  return SPLITS.find((s) => op >= s.from && op <= s.to)?.name;
}

export interface GroupStats {
  problems: number;
  /** Samples drawn (problems that fit the context). */
  samples: number;
  /** k -> mean over problems of the unbiased pass@k, answer only. */
  passOutcome: Record<string, number>;
  /** k -> the same with process-verified correctness. */
  passProcess: Record<string, number>;
  /** Samples with the right answer but a wrong process, over the samples drawn (reward hacking). */
  rightAnswerWrongProcess: number;
  truncatedRate: number;
  /** Problems whose prompt did not fit the context (counted as failures). */
  skipped: number;
}

export interface Aggregates {
  all: GroupStats;
  splits: Record<string, GroupStats>;
  ops: Record<string, GroupStats>;
  templates: Record<string, GroupStats>;
}

function groupStats(rows: ProblemResult[], ks: number[]): GroupStats {
  const mean = (f: (r: ProblemResult) => number) => rows.reduce((s, r) => s + f(r), 0) / rows.length;
  const pass = (c: (r: ProblemResult) => number) =>
    Object.fromEntries(ks.map((k) => [String(k), mean((r) => passAtK(r.n, c(r), k))]));
  const drawn = rows.filter((r) => !r.skipped);
  const samples = drawn.reduce((s, r) => s + r.n, 0);
  const rate = (f: (r: ProblemResult) => number) => (samples ? drawn.reduce((s, r) => s + f(r), 0) / samples : 0);
  return {
    problems: rows.length,
    samples,
    passOutcome: pass((r) => r.cOutcome),
    passProcess: pass((r) => r.cProcess),
    rightAnswerWrongProcess: rate((r) => r.cOutcome - r.cProcess),
    truncatedRate: rate((r) => r.truncated),
    skipped: rows.length - drawn.length,
  };
}

function groupBy(
  rows: ProblemResult[],
  key: (r: ProblemResult) => string | undefined,
  ks: number[],
): Record<string, GroupStats> {
  const groups = new Map<string, ProblemResult[]>();
  for (const r of rows) {
    const k = key(r);
    if (k === undefined) continue;
    const g = groups.get(k);
    if (g) g.push(r);
    else groups.set(k, [r]);
  }
  return Object.fromEntries([...groups].map(([k, g]) => [k, groupStats(g, ks)]));
}

/** pass@k (mean over problems) for all problems, per split, per op and per template. */
export function aggregate(rows: ProblemResult[], ks: number[]): Aggregates {
  if (!rows.length) throw new Error('aggregate: no problems');
  for (const r of rows)
    if (ks.some((k) => k > r.n))
      throw new Error(`aggregate: problem ${r.id} has ${r.n} samples, fewer than k = ${Math.max(...ks)}`);
  const sorted = [...rows].sort((a, b) => a.op - b.op);
  return {
    all: groupStats(rows, ks),
    splits: groupBy(sorted, (r) => splitOf(r.op), ks),
    ops: groupBy(sorted, (r) => String(r.op), ks),
    templates: groupBy(rows, (r) => r.template, ks),
  };
}
