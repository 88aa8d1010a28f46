// Held-out evaluation during training: teacher-forced loss on evaluation problems, and greedy answer
// accuracy per op (the model writes its solution from the prompt; the verifier reads the answer),
// beside the accuracy of always answering the most frequent gold answer of that op.
import type { Problem } from '../data/generator.js';
import { promptText, trainingText } from '../data/generator.js';
import type { Tokenizer } from '../data/tokenizer.js';
import { REWARD_PRESETS, scoreBatch } from '../data/verifier.js';
import type { Batch } from './batches.js';

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
  loss: number;
  /** op -> greedy answer accuracy over the problems whose prompt fits the context. */
  accuracy: Record<number, number>;
  /** op -> problems judged (prompts longer than the training sequence are left out). */
  judged: Record<number, number>;
  /** op -> accuracy of always answering that op's most frequent gold answer. */
  majority: Record<number, number>;
}

/** Teacher-forced documents packed into one batch of `rows` x `S` (padding masked out). */
export function packDocuments(tok: Tokenizer, problems: Problem[], rows: number, S: number): Batch {
  const eos = tok.specialId('[EOS]');
  const pad = tok.specialId('[PAD]');
  const ids = new Uint32Array(rows * S).fill(pad);
  const targets = new Uint32Array(rows * S).fill(pad);
  const mask = new Float32Array(rows * S);
  for (let r = 0; r < Math.min(rows, problems.length); r++) {
    const doc = [...tok.encode(trainingText(problems[r])), eos].slice(0, S + 1);
    for (let i = 0; i + 1 < doc.length; i++) {
      ids[r * S + i] = doc[i];
      targets[r * S + i] = doc[i + 1];
      mask[r * S + i] = 1;
    }
  }
  return { ids, targets, mask };
}

export async function heldOut(model: TrainableModel, tok: Tokenizer, byOp: Map<number, Problem[]>, rows: number, S: number, maxNew: number): Promise<HeldOut> {
  const stop = tok.specialId('</answer>');
  let lossSum = 0;
  let lossN = 0;
  const judgedProblems: { op: number; p: Problem; prompt: Int32Array }[] = [];
  const judged: Record<number, number> = {};
  for (const [op, all] of byOp) {
    for (let i = 0; i < all.length; i += rows) {
      lossSum += await model.evalLoss(packDocuments(tok, all.slice(i, i + rows), rows, S));
      lossN++;
    }
    const fits = all.map((p) => ({ op, p, prompt: tok.encode(promptText(p)) })).filter((e) => e.prompt.length < S);
    judged[op] = fits.length;
    judgedProblems.push(...fits);
  }
  // Every op's prompts decode together, as many at once as the model takes.
  const outs: string[] = [];
  for (let i = 0; i < judgedProblems.length; i += model.decodeBatch) {
    const prompts = judgedProblems.slice(i, i + model.decodeBatch).map((e) => e.prompt);
    for (const ids of await model.greedy(prompts, Math.min(maxNew, S - 1), stop)) outs.push(tok.decode(ids));
  }
  const accuracy: Record<number, number> = {};
  const majority: Record<number, number> = {};
  for (const op of byOp.keys()) {
    const idx = judgedProblems.flatMap((e, i) => (e.op === op ? [i] : []));
    if (!idx.length) continue;
    const problems = idx.map((i) => judgedProblems[i].p);
    const scores = await scoreBatch(problems, idx.map((i) => outs[i]), REWARD_PRESETS.outcome);
    accuracy[op] = scores.filter((s) => s.outcome === 1).length / problems.length;
    const counts = new Map<number, number>();
    for (const p of problems) counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
    majority[op] = Math.max(...counts.values()) / problems.length;
  }
  return { loss: lossSum / Math.max(1, lossN), accuracy, judged, majority };
}
