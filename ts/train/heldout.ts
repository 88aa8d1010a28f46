// Held-out evaluation during training: teacher-forced loss on evaluation problems, and greedy answer
// accuracy per op (the model writes its solution from the prompt; the verifier reads the answer),
// beside the accuracy of always answering the most frequent gold answer of that op.
import type { Problem } from '../data/generator.js';
import { generateMany, TEMPLATES, trainingText } from '../data/generator.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { evaluateProblems, type Sampler } from '../eval/evaluate.js';
import type { Batch } from '../model/batch.js';
import type { OnProgress } from '../util/progress.js';

/** What training needs from a model: implemented on the GPU by ts/model. */
export interface TrainableModel {
  /** One optimizer step over the micro-batches; returns the mean loss and the gradient norm (not finite: the update was skipped). */
  trainStep(batches: Batch[], lr: number, step: number): Promise<{ loss: number; gradNorm: number }>;
  /** Mean masked loss of a batch, no update. */
  evalLoss(batch: Batch): Promise<number>;
  /** Sequences greedy() decodes at once. */
  readonly decodeBatch: number;
  /** Greedy continuation of each prompt until `stopId` or `maxNew` tokens (stop token included). */
  greedy(prompts: Int32Array[], maxNew: number, stopId: number): Promise<Int32Array[]>;
  /** Parameters and AdamW moments, flat, for checkpoints. */
  snapshot(): Promise<{ params: Float32Array; m: Float32Array; v: Float32Array }>;
}

export interface HeldOut {
  /**
   * Teacher-forced loss on the solution and answer tokens given the question (packDocuments): the
   * mean of each batch's mean over the tokens it counts. A batch whose questions fill the sequence
   * before any solution token has none and is left out; with no token at all, there is no loss.
   */
  loss?: number;
  /** op -> greedy answer accuracy over the problems whose prompt fits the context. */
  accuracy: Record<number, number>;
  /** op -> problems judged (prompts longer than the training sequence are left out). */
  judged: Record<number, number>;
  /** op -> accuracy on the same problems of always answering that op's most frequent answer. */
  majority: Record<number, number>;
}

/** Problems per template behind modalAnswers: enough that the mode is the distribution's. */
const MODAL_SAMPLE = 1000;

/**
 * op -> the most frequent gold answer of forward problems of that op, counted over fresh problems
 * of every template (not the evaluation set, which is too small to find the mode reliably: with 16
 * problems the "most frequent answer" of op 2 scored 71% on them, against 26% on 3,000).
 */
export async function modalAnswers(
  ops: number[],
  seed = 0x6d6f6465,
  onProgress?: OnProgress,
): Promise<Map<number, number>> {
  const modal = new Map<number, number>();
  const total = ops.length * TEMPLATES.length * MODAL_SAMPLE;
  const report = (done: number) => onProgress?.({ phase: 'majority answers', done, total, unit: 'problems' });
  let generated = 0;
  report(0);
  for (const op of ops) {
    const counts = new Map<number, number>();
    for (const template of TEMPLATES) {
      for (const p of await generateMany({ seed, op, template, mode: 'forward', count: MODAL_SAMPLE }))
        counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
      report((generated += MODAL_SAMPLE));
    }
    modal.set(op, [...counts.entries()].reduce((a, b) => (b[1] > a[1] || (b[1] === a[1] && b[0] < a[0]) ? b : a))[0]);
  }
  return modal;
}

/**
 * Accuracy and majority-answer accuracy over several ops together (each op weighted by the problems
 * it judged), and their ratio: #4's bar is 2x on ops 2-4 after pre-training.
 */
export function pooled(
  h: HeldOut,
  ops: number[],
): { accuracy: number; majority: number; judged: number; ratio: number } {
  let right = 0,
    majority = 0,
    judged = 0;
  for (const op of ops) {
    const n = h.judged[op] ?? 0;
    right += (h.accuracy[op] ?? 0) * n;
    majority += (h.majority[op] ?? 0) * n;
    judged += n;
  }
  return { accuracy: right / judged, majority: majority / judged, judged, ratio: right / majority };
}

/**
 * Teacher-forced documents, one per row of a `rows` x `S` batch, the loss counted on what the model
 * writes at evaluation time: the tokens after `<solution>` (solution, answer, separator).
 */
export function packDocuments(tok: Tokenizer, problems: Problem[], rows: number, S: number): Batch {
  const eos = tok.specialId('[EOS]');
  const pad = tok.specialId('[PAD]');
  const solution = tok.specialId('<solution>');
  const ids = new Uint32Array(rows * S).fill(pad);
  const targets = new Uint32Array(rows * S).fill(pad);
  const mask = new Float32Array(rows * S);
  for (let r = 0; r < Math.min(rows, problems.length); r++) {
    const doc = [...tok.encode(trainingText(problems[r])), eos].slice(0, S + 1);
    const from = doc.indexOf(solution);
    for (let i = 0; i + 1 < doc.length; i++) {
      ids[r * S + i] = doc[i];
      targets[r * S + i] = doc[i + 1];
      mask[r * S + i] = from >= 0 && i >= from ? 1 : 0;
    }
  }
  return { ids, targets, mask };
}

/**
 * The held-out evaluation of `model`. Reports the phases 'held-out loss' (problems teacher-forced)
 * and 'held-out answers' (problems decoded) to `onProgress`. Answers are decoded and judged by
 * evaluation's own loop (evaluateProblems: one greedy sample per problem, prompts of every op
 * decoded together, as many at once as the model takes); a prompt that does not fit `S` is left out.
 */
export async function heldOut(
  model: TrainableModel,
  tok: Tokenizer,
  byOp: Map<number, Problem[]>,
  modal: Map<number, number>,
  rows: number,
  S: number,
  maxNew: number,
  onProgress?: OnProgress,
): Promise<HeldOut> {
  let lossSum = 0;
  let lossN = 0;
  const problems = [...byOp.values()].flat();
  let forced = 0;
  onProgress?.({ phase: 'held-out loss', done: 0, total: problems.length, unit: 'problems' });
  for (const all of byOp.values()) {
    for (let i = 0; i < all.length; i += rows) {
      const batch = packDocuments(tok, all.slice(i, i + rows), rows, S);
      // Its mean over no token would be NaN, and make the whole loss NaN (null in the metrics row).
      if (batch.mask.some((m) => m > 0)) {
        lossSum += await model.evalLoss(batch);
        lossN++;
      }
      forced += Math.min(rows, all.length - i);
      onProgress?.({ phase: 'held-out loss', done: forced, total: problems.length, unit: 'problems' });
    }
  }
  const greedy: Sampler = async (prompts, o) => ({ tokens: await model.greedy(prompts, o.maxNew, o.stopId) });
  const { problems: results } = await evaluateProblems(problems, {
    sampler: greedy,
    codec: tok,
    stopId: tok.specialId('</answer>'),
    context: S,
    sampling: {
      n: 1,
      ks: [1],
      temperature: 0,
      top_k: 0,
      top_p: 1,
      seed: 0,
      max_new_tokens: Math.min(maxNew, S - 1),
      batch: model.decodeBatch,
    },
    onProgress: (done, total) => onProgress?.({ phase: 'held-out answers', done, total, unit: 'problems' }),
  });
  const judged: Record<number, number> = {};
  const accuracy: Record<number, number> = {};
  const majority: Record<number, number> = {};
  for (const op of byOp.keys()) {
    const fits = results.flatMap((r, i) => (r.op === op && !r.skipped ? [i] : []));
    judged[op] = fits.length;
    if (!fits.length) continue;
    accuracy[op] = fits.filter((i) => results[i].cOutcome === 1).length / fits.length;
    majority[op] = fits.filter((i) => problems[i].answer === modal.get(op)).length / fits.length;
  }
  return { ...(lossN ? { loss: lossSum / lossN } : {}), accuracy, judged, majority };
}
