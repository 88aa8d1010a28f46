// The three sizes every study runs at: the base configuration of each kind of run, over which a
// plan file sets what its runs differ in (mixture, RL ops, reward, budgets).
//   tiny:  the mini model with a few steps of everything and a handful of samples, for CI on 2 CPU
//          cores: every cell of the report is filled (with numbers that mean nothing).
//   mini:  the mini model (d=128, 4 layers) sized for about an hour on one GPU.
//   paper: the study's configuration (SPEC §3-6): the ~100M model, 10B pre-training tokens, 200 GRPO
//          steps of 1024 prompts, 200 problems per op and 128 samples each.
import { preset } from '../../ts/config/presets.js';
import type { MixtureComponent, MixtureSpec } from '../../ts/data/mixture.js';
import { PRESETS as MIXTURES } from '../../ts/data/mixture.js';
import type { Scale, ScaleName } from '../../ts/study/index.js';

const range = (lo: number, hi: number) => Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);

/** Op 4 (ID), 12 (OOD-edge) and 17 (OOD-hard): one op per split at tiny scale. */
export const TINY_OPS = [4, 12, 17];

export const SCALES: Record<ScaleName, Scale> = {
  tiny: {
    // 4 steps of 2 rows of 512: the model stays near its initialisation; the loop is what is tested.
    pretrain: {
      model: 'mini',
      tokens: 4 * 2 * 512,
      seq_len: 512,
      batch_size: 2,
      learning_rate: 4e-3,
      min_lr: 4e-4,
      warmup: 0.25,
      eval_ops: [2],
      eval_per_op: 3,
      eval_max_new_tokens: 16,
    },
    midtrain: {
      model: 'mini',
      tokens: 2 * 2 * 512,
      seq_len: 512,
      batch_size: 2,
      learning_rate: 1e-3,
      min_lr: 1e-4,
      warmup: 0.5,
      eval_ops: [12],
      eval_per_op: 3,
      eval_max_new_tokens: 16,
    },
    // Prompts of op 20 are ~300 tokens: 400 leaves them room in mini's context of 512.
    rl: {
      ...preset('rl', 'mini-rl'),
      max_steps: 2,
      prompts_per_step: 2,
      num_generations: 2,
      ppo_mini_batch_size: 2,
      per_device_train_batch_size: 4,
      max_completion_length: 32,
      max_prompt_length: 400,
      checkpoint_interval: 1,
    },
    eval: { ops: TINY_OPS, per_op: 3, n: 4, temperature: 0.7, max_new_tokens: 32, batch: 12 },
    cost: '2 CPU cores (lavapipe): a few minutes per study',
  },
  mini: {
    pretrain: { ...preset('pretrain', 'mini-pretrain'), tokens: 20_000_000, batch_size: 16, eval_interval: 0 },
    midtrain: { ...preset('midtrain', 'mini-midtrain'), tokens: 4_000_000, batch_size: 16 },
    rl: {
      ...preset('rl', 'mini-rl'),
      max_steps: 60,
      prompts_per_step: 32,
      ppo_mini_batch_size: 16,
      max_completion_length: 256,
      max_prompt_length: 256,
      checkpoint_interval: 10,
    },
    eval: { ops: range(2, 20), per_op: 24, n: 16, temperature: 0.7, max_new_tokens: 256 },
    cost: 'one GPU: about an hour per study (estimated from the mini model on a CPU adapter; not yet measured on a GPU)',
  },
  paper: {
    pretrain: preset('pretrain', 'paper-pretrain'),
    midtrain: preset('midtrain', 'paper-midtrain'),
    rl: { ...preset('rl', 'paper-rl'), max_prompt_length: 1024 },
    eval: preset('eval', 'paper'),
    cost: "the study's compute: ~10B pre-training tokens per base and 200 GRPO steps of 1024 prompts per RL run",
  },
};

/**
 * A mixture preset as a scale trains it: the study's (forward and reverse, SPEC §1) at paper scale;
 * forward only below it, as `npm start` does (everything after pre-training asks forward questions,
 * and reverse documents are 1.7x longer).
 */
export function mixtureAt(name: string, scale: ScaleName): MixtureSpec | string {
  const spec = MIXTURES[name];
  if (!spec) throw new Error(`no mixture preset ${name}`);
  if (scale === 'paper') return name;
  const forward = (c: MixtureComponent): MixtureComponent => ({ ...c, modes: { forward: 1 } });
  return 'components' in spec ? { components: spec.components.map(forward) } : forward(spec);
}
