// One tiny pre-training run that the worker tests make in several places (in-process, a Node worker,
// a browser's worker) and compare bit for bit: a few optimizer steps of the tiny model on data from
// the wasm generator, a fixed seed, a small held-out evaluation at the end.
import type { TrainRequest } from '../../ts/worker/engine.js';

export const TINY_STEPS = 4;

export const TINY_RUN: TrainRequest = {
  stage: 'pretrain',
  model: 'tiny',
  seed: 7,
  mixture: { ops: { '2': 0.5, '3': 0.5 }, modes: { forward: 1 } },
  seq_len: 64,
  batch_size: 2,
  grad_accum: 2,
  tokens: TINY_STEPS * 2 * 64 * 2,
  learning_rate: 3e-3,
  min_lr: 3e-4,
  warmup: 0.25,
  eval_ops: [2],
  eval_per_op: 2,
  eval_max_new_tokens: 4,
};

/** What is compared of a run: each step's loss and gradient norm, and the final weights' hash. */
export interface RunFingerprint {
  losses: number[];
  gradNorms: number[];
  modelSha256: string;
}

/** The step rows (those with a loss) of a training run's reported rows, as a fingerprint's lists. */
export function stepSeries(rows: object[]): Pick<RunFingerprint, 'losses' | 'gradNorms'> {
  const steps = rows.filter((r): r is { loss: number; grad_norm: number } => 'loss' in r);
  return { losses: steps.map((r) => r.loss), gradNorms: steps.map((r) => r.grad_norm) };
}

/** A small sampled evaluation of the tiny run's checkpoint (temperature 0.7: the sampler is used). */
export const TINY_EVAL = { ops: [2, 3], per_op: 2, n: 3, temperature: 0.7, max_new_tokens: 24, seed: 5 };
