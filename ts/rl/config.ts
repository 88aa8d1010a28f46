// GRPO configuration, declared key by key: TRL's names (GRPOConfig and the TrainingArguments it
// extends) where TRL has the concept, verl's where only verl has it, ours otherwise (docs/rl.md
// has the table, written from `source` below). ts/util/schema.ts validates it. Defaults are the
// study's (SPEC §4) except where a CPU preset overrides.
import type { Template } from '../data/generator.js';
import { isOp, TEMPLATES_FIELD } from '../eval/settings.js';
import { upgrade, validate, type StageSchema } from '../util/schema.js';

/** TRL's loss_type: dapo normalizes by the mini-batch's tokens, grpo averages each sequence's token mean. */
export type LossType = 'dapo' | 'grpo';
export type ScaleRewards = 'group' | 'batch' | 'none';

export interface GrpoConfig {
  init?: string;
  ops: [number, number];
  templates: Template[];
  max_steps: number;
  prompts_per_step: number;
  num_generations: number;
  ppo_mini_batch_size: number;
  num_iterations: number;
  per_device_train_batch_size: number;
  learning_rate: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  max_grad_norm: number;
  epsilon: number;
  epsilon_high: number;
  clip_ratio_c: number;
  loss_type: LossType;
  scale_rewards: ScaleRewards;
  beta: number;
  entropy_coeff: number;
  dynamic_sampling: boolean;
  temperature: number;
  top_p: number;
  top_k: number;
  max_completion_length: number;
  max_prompt_length: number;
  reward: 'outcome' | 'process80' | 'process50' | 'strict';
  count_extra_nodes: boolean;
  checkpoint_interval: number;
  seed: number;
}

/** "11-14" (or JSON [11, 14]) as [min, max]. */
function opRange(text: string): unknown {
  const m = /^(\d+)-(\d+)$/.exec(text.trim());
  if (m) return [Number(m[1]), Number(m[2])];
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const RANGE = '[min, max] (or MIN-MAX) with 2 <= min <= max <= 30';

export const GRPO_SCHEMA: StageSchema = {
  what: 'RL config',
  fields: {
    init: {
      type: 'string',
      optional: true,
      source: 'ours',
      value: 'CKPT',
      doc: 'checkpoint to start from (also the frozen KL reference)',
    },
    ops: {
      type: 'json',
      source: 'ours',
      default: [11, 14],
      parse: opRange,
      value: 'MIN-MAX',
      show: (v) => (v as number[]).join('-'),
      check: (v) => (Array.isArray(v) && v.length === 2 && v.every(isOp) && v[0] <= v[1] ? undefined : RANGE),
      doc: 'ops of the RL problems, drawn uniformly from [min, max]',
    },
    templates: { ...TEMPLATES_FIELD, source: 'ours', doc: 'problem templates, taken in turn' },
    max_steps: { type: 'int', min: 1, default: 200, source: 'TRL', doc: 'optimizer steps' },
    prompts_per_step: {
      type: 'int',
      min: 1,
      default: 1024,
      source: 'ours',
      doc: 'prompts per step (verl data.train_batch_size)',
    },
    num_generations: { type: 'int', min: 2, default: 6, source: 'TRL', doc: 'completions per prompt (the group)' },
    ppo_mini_batch_size: {
      type: 'int',
      min: 1,
      default: 256,
      source: 'verl',
      doc: 'prompts per PPO update (mini-batch)',
    },
    num_iterations: {
      type: 'int',
      min: 1,
      default: 1,
      source: 'TRL',
      doc: "passes over each step's batch (verl ppo_epochs)",
    },
    per_device_train_batch_size: {
      type: 'int',
      min: 1,
      default: 8,
      source: 'TRL',
      doc: 'sequences per forward/backward; gradients accumulate over a mini-batch',
    },
    learning_rate: {
      type: 'number',
      min: 0,
      max: 1,
      default: 1e-6,
      source: 'TRL',
      doc: 'AdamW learning rate (constant)',
    },
    weight_decay: { type: 'number', min: 0, max: 10, default: 0, source: 'TRL', doc: 'AdamW decoupled weight decay' },
    beta1: { type: 'number', min: 0, max: 0.999999, default: 0.9, source: 'ours', doc: 'AdamW beta1 (TRL adam_beta1)' },
    beta2: {
      type: 'number',
      min: 0,
      max: 0.999999,
      default: 0.999,
      source: 'ours',
      doc: 'AdamW beta2 (TRL adam_beta2)',
    },
    max_grad_norm: {
      type: 'number',
      min: 0,
      max: 1e9,
      default: 1.0,
      source: 'TRL',
      doc: 'global gradient-norm clipping (0: off)',
    },
    epsilon: {
      type: 'number',
      min: 0,
      max: 10,
      default: 0.2,
      source: 'TRL',
      doc: 'PPO clip range below 1 (verl clip_ratio_low)',
    },
    epsilon_high: {
      type: 'number',
      min: 0,
      max: 10,
      default: 0.2,
      source: 'TRL',
      doc: 'PPO clip range above 1 (verl clip_ratio_high)',
    },
    clip_ratio_c: {
      type: 'number',
      min: 0,
      max: 1e9,
      default: 3.0,
      source: 'verl',
      check: (v) => (v === 0 || v > 1 ? undefined : '0 (off) or above 1'),
      doc: 'dual-clip constant for negative advantages (0: off)',
    },
    loss_type: {
      type: 'enum',
      values: ['dapo', 'grpo'],
      default: 'dapo',
      source: 'TRL',
      doc: "dapo: mean over the mini-batch's tokens (verl token-mean); grpo: mean of each sequence's token mean (verl seq-mean-token-mean)",
    },
    scale_rewards: {
      type: 'enum',
      values: ['group', 'batch', 'none'],
      default: 'group',
      source: 'TRL',
      doc: 'advantage scale: std of the group, of the batch, or none',
    },
    beta: {
      type: 'number',
      min: 0,
      max: 100,
      default: 0.001,
      source: 'TRL',
      doc: 'KL coefficient against the frozen reference, k3 estimator (0: no reference)',
    },
    entropy_coeff: {
      type: 'number',
      min: 0,
      max: 10,
      default: 0,
      source: 'verl',
      doc: 'entropy bonus: each token gains -entropy_coeff * H',
    },
    dynamic_sampling: {
      type: 'boolean',
      default: false,
      source: 'ours',
      doc: 'drop groups whose rewards have zero spread (DAPO, without refilling)',
    },
    temperature: { type: 'number', min: 1e-3, max: 100, default: 1.0, source: 'TRL', doc: 'sampling temperature' },
    top_p: { type: 'number', min: 1e-6, max: 1, default: 1.0, source: 'TRL', doc: 'nucleus sampling (1: off)' },
    top_k: { type: 'int', min: 0, default: 0, source: 'TRL', doc: 'top-k sampling (0: off)' },
    max_completion_length: { type: 'int', min: 1, default: 1024, source: 'TRL', doc: 'tokens per completion at most' },
    max_prompt_length: {
      type: 'int',
      min: 2,
      default: 512,
      source: 'TRL',
      doc: 'longest prompt; longer ones are skipped',
    },
    reward: {
      type: 'enum',
      values: ['outcome', 'process80', 'process50', 'strict'],
      default: 'outcome',
      source: 'ours',
      doc: 'verifier reward preset',
    },
    count_extra_nodes: {
      type: 'boolean',
      default: true,
      source: 'ours',
      doc: 'whether extra steps count as mismatches',
    },
    checkpoint_interval: {
      type: 'int',
      min: 0,
      default: 10,
      source: 'ours',
      doc: 'steps between checkpoints (TRL save_steps; 0: only at the end)',
    },
    seed: {
      type: 'int',
      min: 0,
      default: 1,
      source: 'TRL',
      doc: 'problems, sampling and everything else derive from it',
    },
  },
  renamed: {
    keys: {
      steps: 'max_steps',
      mini_batch_size: 'ppo_mini_batch_size',
      ppo_epochs: 'num_iterations',
      micro_batch_size: 'per_device_train_batch_size',
      clip: 'max_grad_norm',
      dual_clip: 'clip_ratio_c',
    },
    values: { loss_type: { 'token-mean': 'dapo', 'seq-mean': 'grpo' } },
  },
  across(c) {
    const [p, m] = [c.prompts_per_step as number, c.ppo_mini_batch_size as number];
    return p % m ? [`prompts_per_step ${p} must be a multiple of ppo_mini_batch_size ${m}`] : [];
  },
};

export function validateGrpoConfig(raw: unknown): GrpoConfig {
  return validate<GrpoConfig>(GRPO_SCHEMA, raw);
}

/** An rl.json written before the key renames, under today's names. */
export function upgradeGrpoConfig(old: Record<string, unknown>): Record<string, unknown> {
  return upgrade(GRPO_SCHEMA.renamed, old);
}
