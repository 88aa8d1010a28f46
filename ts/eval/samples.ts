// `eval --samples FILE`: every completion of an evaluation with the verifier's verdict, one JSON line
// each, for people (the site's Samples page) rather than for the numbers, which stay in the small
// results JSON. Written as the evaluation goes; a resumed evaluation keeps the lines of the problems
// its journal holds and drops the rest (a kill may come between this file and the journal).
import { promptText, type Mode, type Problem, type Template } from '../data/generator.js';
import type { AnswerVerdict, ExtraStep, NodeVerdict, Verdict, VerdictCounts, VerdictStatus } from '../data/verifier.js';
import { readText, type RunStore } from '../store/store.js';

export const SAMPLES_FORMAT = 'reasoning-engine-samples/1';

/** The first line: the format and the key of the evaluation (the results journal's). */
export interface SamplesHeader {
  format: typeof SAMPLES_FORMAT;
  key: string;
}

/** One completion and its judgement. */
export interface SampleRecord {
  /** Index of the problem in the evaluation, and its id. */
  i: number;
  id: string;
  op: number;
  template: Template;
  mode: Mode;
  /** Which of the problem's n completions. */
  sample: number;
  /** The prompt, on the problem's first sample only (the others refer to it by id). */
  prompt?: string;
  text: string;
  answer: AnswerVerdict;
  outcome: 0 | 1;
  /** Process-verified (evaluation's strict correctness, extra steps allowed). */
  processCorrect: boolean;
  status: VerdictStatus;
  message?: string;
  counts: VerdictCounts;
  /** One per gold step (the gold dependency graph), with the output's step and why it mismatches. */
  nodes: NodeVerdict[];
  /** Output steps that match no gold step. */
  extras: ExtraStep[];
}

/** The records of problem `i`'s completions, in sample order. */
export function sampleRecords(i: number, p: Problem, texts: string[], verdicts: Verdict[]): SampleRecord[] {
  return texts.map((text, s) => {
    const v = verdicts[s];
    return {
      i,
      id: p.id,
      op: p.op,
      template: p.template,
      mode: p.mode,
      sample: s,
      ...(s === 0 ? { prompt: promptText(p) } : {}),
      text,
      answer: v.answer,
      outcome: v.outcome,
      processCorrect: v.processCorrect,
      status: v.status,
      ...(v.message ? { message: v.message } : {}),
      counts: v.counts,
      nodes: v.nodes,
      extras: v.extras,
    };
  });
}

/** JSON lines of records (each line ends in a newline). */
export const sampleLines = (records: SampleRecord[]): string => records.map((r) => JSON.stringify(r) + '\n').join('');

/**
 * Prepares the samples file at `path` for the evaluation `key` whose journal holds the problems
 * `done`: their lines are kept (whole lines only), every other line goes; a file of another
 * evaluation, or none, starts anew with the header.
 */
export async function openSamples(
  store: RunStore,
  path: string,
  key: string,
  done: ReadonlySet<number>,
): Promise<void> {
  const lines = (await readText(store, path))?.split('\n') ?? [];
  const parse = (l: string): { format?: string; key?: string; i?: number } | undefined => {
    try {
      return JSON.parse(l);
    } catch {
      return undefined;
    }
  };
  const head = parse(lines[0] ?? '');
  const header: SamplesHeader = { format: SAMPLES_FORMAT, key };
  const same = head?.format === SAMPLES_FORMAT && head.key === key;
  const kept = same ? lines.slice(1).filter((l) => done.has(parse(l)?.i ?? -1)) : [];
  await store.write(path, [JSON.stringify(header), ...kept].map((l) => l + '\n').join(''));
}
