// The run configuration of a pre-training or mid-training stage: one JSON object, validated at
// load with an error naming every bad field, saved beside every checkpoint.
import { PRESETS, type PresetName } from '../model/config.js';
import { parseMixture } from '../data/mixture.js';
import { FieldChecker } from '../util/fields.js';

export interface RunConfig {
  stage: 'pretrain' | 'midtrain';
  /** Model preset for a fresh model (pretrain); ignored when starting from `init`. */
  model: PresetName;
  /** Checkpoint directory to start from (midtrain: the pre-trained model). */
  init?: string;
  /** Training data: a mixture (preset name or spec object) built into the run directory. */
  mixture: unknown;
  /** Training tokens (the budget; one epoch over a dataset built to this size). */
  tokens: number;
  seq_len: number;
  /** Sequences per micro-batch. */
  batch_size: number;
  /** Micro-batches per optimizer step (tokens per step = batch_size * seq_len * grad_accum). */
  grad_accum: number;
  /** Which tokens the loss counts: every token, or only each document's solution and answer (after `<solution>`). */
  loss_on: 'all' | 'solution';
  lr: number;
  min_lr: number;
  /** Warm-up as a fraction of the steps (SPEC: 0.05 pre-training, 0.15 mid-training). */
  warmup: number;
  schedule: 'cosine' | 'constant';
  weight_decay: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Global gradient-norm clip (0: off). */
  clip: number;
  /** Steps between held-out evaluations and between checkpoints (0: only at the end). */
  eval_interval: number;
  checkpoint_interval: number;
  /** Held-out evaluation: ops and problems per op (greedy answer accuracy and loss). */
  eval_ops: number[];
  eval_per_op: number;
  /** Greedy generation cap for the held-out answer accuracy. */
  eval_max_new_tokens: number;
  seed: number;
}

export const DEFAULTS: Omit<RunConfig, 'stage' | 'mixture' | 'tokens'> = {
  model: 'mini',
  seq_len: 256,
  batch_size: 8,
  grad_accum: 1,
  loss_on: 'all',
  lr: 1e-3,
  min_lr: 1e-4,
  warmup: 0.05,
  schedule: 'cosine',
  weight_decay: 0.1,
  beta1: 0.9,
  beta2: 0.95,
  eps: 1e-8,
  clip: 1.0,
  eval_interval: 0,
  checkpoint_interval: 0,
  eval_ops: [2, 3, 4, 5, 6, 7, 8, 9, 10],
  eval_per_op: 10,
  eval_max_new_tokens: 160,
  seed: 1,
};

export function validateRunConfig(raw: unknown): RunConfig {
  const f = FieldChecker.withDefaults(raw, DEFAULTS, 'run config', ['stage', 'mixture', 'tokens', 'init']);
  const c = f.c;
  const bad = f.bad;
  const int = f.int.bind(f), num = f.num.bind(f);
  f.oneOf('loss_on', ['all', 'solution']);
  if (c.stage !== 'pretrain' && c.stage !== 'midtrain') bad.push(`stage must be "pretrain" or "midtrain" (got ${JSON.stringify(c.stage)})`);
  if (!PRESETS.includes(c.model as PresetName)) bad.push(`model must be one of ${PRESETS.join(', ')} (got ${JSON.stringify(c.model)})`);
  if (c.init !== undefined && typeof c.init !== 'string') bad.push('init must be a checkpoint directory path');
  if (c.stage === 'midtrain' && c.init === undefined) bad.push('a midtrain stage needs init (the pre-trained checkpoint)');
  if (c.mixture === undefined) bad.push('mixture is required (a preset name or a mixture object)');
  else {
    try {
      parseMixture(c.mixture);
    } catch (e) {
      bad.push(`mixture: ${(e as Error).message}`);
    }
  }
  int('tokens', 1);
  int('seq_len', 2);
  int('batch_size', 1);
  int('grad_accum', 1);
  num('lr', 0, 10, true);
  num('min_lr', 0, 10);
  num('warmup', 0, 1);
  if (c.schedule !== 'cosine' && c.schedule !== 'constant') bad.push(`schedule must be "cosine" or "constant" (got ${JSON.stringify(c.schedule)})`);
  num('weight_decay', 0, 10);
  num('beta1', 0, 1);
  num('beta2', 0, 1);
  num('eps', 0, 1, true);
  num('clip', 0, 1e9);
  int('eval_interval', 0);
  int('checkpoint_interval', 0);
  if (!Array.isArray(c.eval_ops) || !c.eval_ops.every((o) => Number.isInteger(o) && o >= 2 && o <= 30)) bad.push('eval_ops must be a list of ops from 2 to 30');
  int('eval_per_op', 0);
  int('eval_max_new_tokens', 1);
  int('seed', 0);
  if (typeof c.min_lr === 'number' && typeof c.lr === 'number' && c.min_lr > c.lr) bad.push(`min_lr ${c.min_lr} is above lr ${c.lr}`);
  f.throwIfBad('bad run config');
  return c as unknown as RunConfig;
}

export function tokensPerStep(c: RunConfig): number {
  return c.batch_size * c.seq_len * c.grad_accum;
}
