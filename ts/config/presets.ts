// Every named configuration of every stage, by stage and name: `--config NAME` takes one of its
// stage's (or a JSON file with the same keys), and flags override single keys. `mini-*` and `cpu`
// are what `npm start` runs on a CPU adapter in minutes; `paper-*` and `paper` are the study's
// settings (SPEC §4, §6) for a real GPU. The stages' schemas hold the defaults and validate each.
import { EVAL_SCHEMA, type EvalSettings } from '../eval/settings.js';
import { GRPO_SCHEMA, type GrpoConfig } from '../rl/config.js';
import { RUN_SCHEMA, type RunConfig } from '../train/runconfig.js';
import type { StageSchema } from '../util/schema.js';

const ID_OPS = [2, 3, 4, 5, 6, 7, 8, 9, 10];
const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

type RunPreset = Partial<RunConfig> & Pick<RunConfig, 'stage' | 'mixture' | 'tokens'>;

const pretrain: Record<string, RunPreset> = {
  // Sized for ~15 minutes of both stages on lavapipe, evaluations included. Op 2-10 weighted towards
  // easy problems: at this budget the model learns the short ones first (bench/RESULTS.md). Rows of
  // 512 hold whole documents (ts/train/batches.ts). 30 problems per op measure op 2-4 accuracy
  // against the majority answer. Forward problems only: everything after pre-training (held-out
  // accuracy, calibration, RL, evaluation) asks forward questions, and reverse documents are 1.7x
  // longer; the paper presets keep the study's 50/50.
  'mini-pretrain': {
    stage: 'pretrain',
    model: 'mini',
    mixture: { ops: { easy: 0.6, medium: 0.25, hard: 0.15 }, modes: { forward: 1 } },
    tokens: 460_000,
    seq_len: 512,
    batch_size: 4,
    grad_accum: 1,
    learning_rate: 4e-3,
    min_lr: 4e-4,
    warmup: 0.03,
    eval_ops: ID_OPS,
    eval_per_op: 30,
    eval_max_new_tokens: 192,
    eval_interval: 0,
    checkpoint_interval: 50,
  },
  'paper-pretrain': {
    stage: 'pretrain',
    model: 'paper',
    mixture: 'uniform',
    tokens: 10_000_000_000,
    seq_len: 2048,
    batch_size: 16,
    grad_accum: 16,
    learning_rate: 1e-4,
    min_lr: 3e-5,
    warmup: 0.05,
    weight_decay: 0.1,
    max_grad_norm: 1,
    eval_ops: ID_OPS,
    eval_per_op: 60,
    eval_interval: 500,
    checkpoint_interval: 500,
  },
};

const midtrain: Record<string, RunPreset> = {
  // 15 problems per op keep mid-training's 13 ops quick.
  'mini-midtrain': {
    stage: 'midtrain',
    model: 'mini',
    mixture: {
      components: [
        { share: 0.2, ops: { '2-10': 1 }, modes: { forward: 1 } },
        { share: 0.8, ops: { '11-14': 1 }, modes: { forward: 1 } },
      ],
    },
    tokens: 120_000,
    seq_len: 512,
    batch_size: 4,
    grad_accum: 1,
    learning_rate: 1e-3,
    min_lr: 1e-4,
    warmup: 0.15,
    eval_ops: [...ID_OPS, 11, 12, 13, 14],
    eval_per_op: 15,
    eval_max_new_tokens: 256,
    checkpoint_interval: 50,
  },
  'paper-midtrain': {
    stage: 'midtrain',
    model: 'paper',
    mixture: 'midtrain',
    tokens: 1_000_000_000,
    seq_len: 2048,
    batch_size: 16,
    grad_accum: 16,
    learning_rate: 1e-4,
    min_lr: 3e-5,
    warmup: 0.15,
    weight_decay: 0.1,
    max_grad_norm: 1,
    eval_ops: [...ID_OPS, 11, 12, 13, 14],
    eval_per_op: 60,
    eval_interval: 500,
    checkpoint_interval: 500,
  },
};

const rl: Record<string, Partial<GrpoConfig>> = {
  'mini-rl': {
    max_steps: 20,
    prompts_per_step: 8,
    num_generations: 6,
    ppo_mini_batch_size: 8,
    per_device_train_batch_size: 8,
    num_iterations: 1,
    learning_rate: 2e-5,
    beta: 0.001,
    max_completion_length: 192,
    max_prompt_length: 256,
    checkpoint_interval: 5,
    reward: 'outcome',
  },
  'paper-rl': {
    max_steps: 200,
    prompts_per_step: 1024,
    num_generations: 6,
    ppo_mini_batch_size: 256,
    per_device_train_batch_size: 16,
    num_iterations: 1,
    learning_rate: 1e-6,
    beta: 0.001,
    epsilon: 0.2,
    epsilon_high: 0.2,
    clip_ratio_c: 3,
    loss_type: 'dapo',
    scale_rewards: 'group',
    temperature: 1,
    top_p: 1,
    max_completion_length: 1024,
    checkpoint_interval: 10,
  },
};

const evaluation: Record<string, Partial<EvalSettings>> = {
  paper: { ops: range(2, 20), per_op: 200, n: 128, temperature: 0.7, max_new_tokens: 1024 },
  // A run that finishes in minutes on lavapipe with a mini model.
  cpu: { ops: range(2, 14), per_op: 8, n: 8, temperature: 0.7, max_new_tokens: 512 },
  // `npm start` evaluates four models (~200 samples each).
  start: { ops: range(2, 14), per_op: 4, n: 4, temperature: 0.7, max_new_tokens: 256 },
};

export const STAGES = {
  pretrain: { schema: RUN_SCHEMA, presets: pretrain, default: 'mini-pretrain' },
  midtrain: { schema: RUN_SCHEMA, presets: midtrain, default: 'mini-midtrain' },
  rl: { schema: GRPO_SCHEMA, presets: rl, default: 'mini-rl' },
  eval: { schema: EVAL_SCHEMA, presets: evaluation, default: 'paper' },
} satisfies Record<string, { schema: StageSchema; presets: Record<string, object>; default: string }>;

export type StageName = keyof typeof STAGES;

/** A stage's preset by name, or an error naming the ones there are. */
export function preset(stage: StageName, name: string): Record<string, unknown> {
  const p = (STAGES[stage].presets as Record<string, object>)[name];
  if (!p) throw new Error(`no ${stage} preset '${name}'; presets: ${Object.keys(STAGES[stage].presets).join(', ')}`);
  return { ...p };
}
