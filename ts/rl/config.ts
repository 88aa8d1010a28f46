// GRPO configuration with the option names users know from TRL and verl; validated at load with
// every bad field named. Defaults are the study's (SPEC §4) except where a CPU preset overrides.
import { FieldChecker } from '../util/fields.js';

export type LossAggregation = 'token-mean' | 'seq-mean';
export type ScaleRewards = 'group' | 'batch' | 'none';

export interface GrpoConfig {
  /** Checkpoint to start from (also the frozen KL reference). */
  init?: string;
  /** RL data: ops drawn uniformly from [min, max], templates and forward mode by default. */
  ops: [number, number];
  templates: ('crazy_zootopia' | 'teachers_in_school' | 'movie_festival_awards')[];
  /** Optimizer steps; prompts per step; rollouts per prompt (TRL num_generations). */
  steps: number;
  prompts_per_step: number;
  num_generations: number;
  /** Prompts per PPO mini-batch (verl ppo_mini_batch_size) and passes over each batch (ppo_epochs). */
  mini_batch_size: number;
  ppo_epochs: number;
  /** Sequences per forward/backward (memory bound; gradient accumulation inside a mini-batch). */
  micro_batch_size: number;
  learning_rate: number;
  weight_decay: number;
  beta1: number;
  beta2: number;
  clip: number;
  /** PPO clip range below and above 1 (TRL epsilon / epsilon_high; verl clip_ratio_low/high). */
  epsilon: number;
  epsilon_high: number;
  /** Dual-clip constant c for negative advantages (verl clip_ratio_c); 0 turns it off. */
  dual_clip: number;
  loss_type: LossAggregation;
  scale_rewards: ScaleRewards;
  /** KL coefficient against the frozen reference, k3 estimator (0: no reference model). */
  beta: number;
  /** Entropy bonus (verl entropy_coeff): the loss gains -entropy_coeff * H per token, aggregated as loss_type. 0: none (the study's). */
  entropy_coeff: number;
  /** Drop groups whose rewards have zero spread (DAPO's dynamic sampling, without refilling). */
  dynamic_sampling: boolean;
  temperature: number;
  top_p: number;
  top_k: number;
  max_completion_length: number;
  /** Longest prompt (TRL max_prompt_length); longer ones are skipped. Training rows hold max_prompt_length + max_completion_length tokens. */
  max_prompt_length: number;
  /** Reward: a verifier preset (outcome, process80, process50, strict) and whether extra steps count. */
  reward: 'outcome' | 'process80' | 'process50' | 'strict';
  count_extra_nodes: boolean;
  checkpoint_interval: number;
  seed: number;
}

export const GRPO_DEFAULTS: GrpoConfig = {
  ops: [11, 14],
  templates: ['crazy_zootopia', 'teachers_in_school', 'movie_festival_awards'],
  steps: 200,
  prompts_per_step: 1024,
  num_generations: 6,
  mini_batch_size: 256,
  ppo_epochs: 1,
  micro_batch_size: 8,
  learning_rate: 1e-6,
  weight_decay: 0,
  beta1: 0.9,
  beta2: 0.999,
  clip: 1.0,
  epsilon: 0.2,
  epsilon_high: 0.2,
  dual_clip: 3.0,
  loss_type: 'token-mean',
  scale_rewards: 'group',
  beta: 0.001,
  entropy_coeff: 0,
  dynamic_sampling: false,
  temperature: 1.0,
  top_p: 1.0,
  top_k: 0,
  max_completion_length: 1024,
  max_prompt_length: 512,
  reward: 'outcome',
  count_extra_nodes: true,
  checkpoint_interval: 10,
  seed: 1,
};

export function validateGrpoConfig(raw: unknown): GrpoConfig {
  const f = FieldChecker.withDefaults(raw, GRPO_DEFAULTS, 'RL config', ['init']);
  const c = f.c;
  const bad = f.bad;
  const int = f.int.bind(f), num = f.num.bind(f), oneOf = f.oneOf.bind(f);
  const ops = c.ops as unknown;
  if (!Array.isArray(ops) || ops.length !== 2 || !ops.every((o) => Number.isInteger(o) && o >= 2 && o <= 30) || ops[0] > ops[1]) {
    bad.push(`ops must be [min, max] with 2 <= min <= max <= 30 (got ${JSON.stringify(ops)})`);
  }
  if (!Array.isArray(c.templates) || !c.templates.length || !c.templates.every((t) => GRPO_DEFAULTS.templates.includes(t))) {
    bad.push(`templates must be a non-empty list of ${GRPO_DEFAULTS.templates.join(', ')}`);
  }
  int('steps', 1);
  int('prompts_per_step', 1);
  int('num_generations', 2);
  int('mini_batch_size', 1);
  int('ppo_epochs', 1);
  int('micro_batch_size', 1);
  num('learning_rate', 0, 1);
  num('weight_decay', 0, 10);
  num('beta1', 0, 0.999999);
  num('beta2', 0, 0.999999);
  num('clip', 0, 1e9);
  num('epsilon', 0, 10);
  num('epsilon_high', 0, 10);
  num('dual_clip', 0, 1e9);
  if (c.dual_clip !== 0 && typeof c.dual_clip === 'number' && c.dual_clip <= 1) bad.push(`dual_clip must be 0 (off) or above 1 (got ${c.dual_clip})`);
  oneOf('loss_type', ['token-mean', 'seq-mean']);
  oneOf('scale_rewards', ['group', 'batch', 'none']);
  num('beta', 0, 100);
  num('entropy_coeff', 0, 10);
  oneOf('dynamic_sampling', [true, false]);
  num('temperature', 1e-3, 100);
  num('top_p', 1e-6, 1);
  int('top_k', 0);
  int('max_completion_length', 1);
  int('max_prompt_length', 2);
  oneOf('reward', ['outcome', 'process80', 'process50', 'strict']);
  oneOf('count_extra_nodes', [true, false]);
  int('checkpoint_interval', 0);
  int('seed', 0);
  if (Number.isInteger(c.prompts_per_step) && Number.isInteger(c.mini_batch_size) && (c.prompts_per_step as number) % (c.mini_batch_size as number)) {
    bad.push(`prompts_per_step ${c.prompts_per_step} must be a multiple of mini_batch_size ${c.mini_batch_size}`);
  }
  if (c.init !== undefined && typeof c.init !== 'string') bad.push('init must be a checkpoint directory');
  f.throwIfBad('bad RL config');
  return c as unknown as GrpoConfig;
}
