// Named run configurations. `mini-*` is what `npm start` runs on a CPU adapter in minutes; `paper-*`
// is the study's setting (SPEC §4) for a real GPU.
import type { RunConfig } from './runconfig.js';

const ID_OPS = [2, 3, 4, 5, 6, 7, 8, 9, 10];

export const RUN_PRESETS: Record<string, Partial<RunConfig> & Pick<RunConfig, 'stage' | 'mixture' | 'tokens'>> = {
  // Sized for ~15 minutes of both stages at ~650 tokens/s on lavapipe. Op 2-10 weighted towards easy
  // problems: at this budget the model learns the short ones first (bench/RESULTS.md).
  'mini-pretrain': {
    stage: 'pretrain', model: 'mini', mixture: { ops: { easy: 0.6, medium: 0.25, hard: 0.15 } }, tokens: 460_000, seq_len: 256, batch_size: 8, grad_accum: 1,
    lr: 4e-3, min_lr: 4e-4, warmup: 0.03, eval_ops: ID_OPS, eval_per_op: 16, eval_max_new_tokens: 128, eval_interval: 0, checkpoint_interval: 50,
  },
  'mini-midtrain': {
    stage: 'midtrain', model: 'mini', mixture: 'midtrain', tokens: 120_000, seq_len: 256, batch_size: 8, grad_accum: 1,
    lr: 1e-3, min_lr: 1e-4, warmup: 0.15, eval_ops: [...ID_OPS, 11, 12, 13, 14], eval_per_op: 16, eval_max_new_tokens: 128, checkpoint_interval: 50,
  },
  'paper-pretrain': {
    stage: 'pretrain', model: 'paper', mixture: 'uniform', tokens: 10_000_000_000, seq_len: 2048, batch_size: 16, grad_accum: 16,
    lr: 1e-4, min_lr: 3e-5, warmup: 0.05, weight_decay: 0.1, clip: 1, eval_ops: ID_OPS, eval_per_op: 60, eval_interval: 500, checkpoint_interval: 500,
  },
  'paper-midtrain': {
    stage: 'midtrain', model: 'paper', mixture: 'midtrain', tokens: 1_000_000_000, seq_len: 2048, batch_size: 16, grad_accum: 16,
    lr: 1e-4, min_lr: 3e-5, warmup: 0.15, weight_decay: 0.1, clip: 1, eval_ops: [...ID_OPS, 11, 12, 13, 14], eval_per_op: 60, eval_interval: 500, checkpoint_interval: 500,
  },
};
