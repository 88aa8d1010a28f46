// The run configuration of a pre-training or mid-training stage: one JSON object, declared key by
// key below (ts/util/schema.ts validates it and names every bad field), saved beside every checkpoint.
import { PRESETS, type PresetName } from '../model/config.js';
import { parseMixture } from '../data/mixture.js';
import { opsField } from '../eval/settings.js';
import { upgrade, validate, type StageSchema } from '../util/schema.js';

export interface RunConfig {
  stage: 'pretrain' | 'midtrain';
  model: PresetName;
  init?: string;
  mixture: unknown;
  tokens: number;
  seq_len: number;
  batch_size: number;
  grad_accum: number;
  loss_on: 'all' | 'solution';
  learning_rate: number;
  min_lr: number;
  warmup: number;
  schedule: 'cosine' | 'constant';
  weight_decay: number;
  beta1: number;
  beta2: number;
  eps: number;
  max_grad_norm: number;
  eval_interval: number;
  checkpoint_interval: number;
  eval_ops: number[];
  eval_per_op: number;
  eval_max_new_tokens: number;
  seed: number;
}

function mixtureCheck(v: unknown): string | undefined {
  try {
    parseMixture(v);
    return undefined;
  } catch (e) {
    return `a mixture preset name or spec object (${(e as Error).message})`;
  }
}

export const RUN_SCHEMA: StageSchema = {
  what: 'run config',
  fields: {
    stage: { type: 'enum', values: ['pretrain', 'midtrain'], doc: 'which stage this config is for' },
    model: {
      type: 'enum',
      values: PRESETS,
      default: 'mini',
      doc: 'model preset for a fresh model; ignored when starting from init',
    },
    init: {
      type: 'string',
      optional: true,
      value: 'CKPT',
      doc: 'checkpoint directory to start from (required by midtrain)',
    },
    mixture: {
      type: 'json',
      check: mixtureCheck,
      value: 'NAME|JSON',
      doc: 'training data: a mixture preset name or spec object (docs/data.md)',
    },
    tokens: { type: 'int', min: 1, doc: 'training tokens: the budget (steps = tokens / tokens per step)' },
    seq_len: { type: 'int', min: 2, default: 256, doc: 'positions per row' },
    batch_size: { type: 'int', min: 1, default: 8, doc: 'rows per micro-batch' },
    grad_accum: { type: 'int', min: 1, default: 1, doc: 'micro-batches per optimizer step' },
    loss_on: {
      type: 'enum',
      values: ['all', 'solution'],
      default: 'all',
      doc: 'tokens the loss counts: all, or only the solution',
    },
    learning_rate: { type: 'number', min: 0, max: 10, aboveMin: true, default: 1e-3, doc: 'peak learning rate' },
    min_lr: { type: 'number', min: 0, max: 10, default: 1e-4, doc: 'floor of the cosine decay' },
    warmup: { type: 'number', min: 0, max: 1, default: 0.05, doc: 'warm-up as a fraction of the steps' },
    schedule: {
      type: 'enum',
      values: ['cosine', 'constant'],
      default: 'cosine',
      doc: 'after warm-up: cosine to min_lr, or constant',
    },
    weight_decay: {
      type: 'number',
      min: 0,
      max: 10,
      default: 0.1,
      doc: 'AdamW decoupled weight decay (matrices only)',
    },
    beta1: { type: 'number', min: 0, max: 1, default: 0.9, doc: 'AdamW beta1' },
    beta2: { type: 'number', min: 0, max: 1, default: 0.95, doc: 'AdamW beta2' },
    eps: { type: 'number', min: 0, max: 1, aboveMin: true, default: 1e-8, doc: 'AdamW epsilon' },
    max_grad_norm: { type: 'number', min: 0, max: 1e9, default: 1.0, doc: 'global gradient-norm clipping (0: off)' },
    eval_interval: { type: 'int', min: 0, default: 0, doc: 'steps between held-out evaluations (0: only at the end)' },
    checkpoint_interval: { type: 'int', min: 0, default: 0, doc: 'steps between checkpoints (0: only at the end)' },
    eval_ops: opsField('held-out evaluation ops (2-10 or 2,5,11-14)', [2, 3, 4, 5, 6, 7, 8, 9, 10], true),
    eval_per_op: { type: 'int', min: 0, default: 10, doc: 'held-out problems per op' },
    eval_max_new_tokens: { type: 'int', min: 1, default: 160, doc: 'greedy generation cap of the held-out accuracy' },
    seed: { type: 'int', min: 0, default: 1, doc: 'data, initialisation and everything else derive from it' },
  },
  renamed: { keys: { lr: 'learning_rate', clip: 'max_grad_norm' } },
  across(c) {
    const bad: string[] = [];
    if (c.stage === 'midtrain' && c.init === undefined) {
      bad.push('a midtrain stage needs init (the pre-trained checkpoint)');
    }
    if ((c.min_lr as number) > (c.learning_rate as number)) {
      bad.push(`min_lr ${c.min_lr} is above learning_rate ${c.learning_rate}`);
    }
    return bad;
  },
};

export function validateRunConfig(raw: unknown): RunConfig {
  return validate<RunConfig>(RUN_SCHEMA, raw);
}

/** A run.json written before the key renames, under today's names. */
export function upgradeRunConfig(old: Record<string, unknown>): Record<string, unknown> {
  return upgrade(RUN_SCHEMA.renamed, old);
}

/** The optimizer settings the model takes, by its own names. */
export function optimizerOf(c: RunConfig) {
  return { beta1: c.beta1, beta2: c.beta2, eps: c.eps, weight_decay: c.weight_decay, clip: c.max_grad_norm };
}

export function tokensPerStep(c: RunConfig): number {
  return c.batch_size * c.seq_len * c.grad_accum;
}
