// Named run configurations. `mini-*` is what `npm start` runs on a CPU adapter in minutes; `paper-*`
// is the study's setting (SPEC §4) for a real GPU.
import type { RunConfig } from './runconfig.js';

const ID_OPS = [2, 3, 4, 5, 6, 7, 8, 9, 10];

export const RUN_PRESETS: Record<string, Partial<RunConfig> & Pick<RunConfig, 'stage' | 'mixture' | 'tokens'>> = {
  // Sized for ~15 minutes of both stages on lavapipe, evaluations included. Op 2-10 weighted towards
  // easy problems: at this budget the model learns the short ones first (bench/RESULTS.md). Rows of
  // 512 hold whole documents (ts/train/batches.ts). 30 problems per op measure op 2-4 accuracy
  // against the majority answer; 15 per op keep mid-training's 13 ops quick. Forward problems only:
  // everything after pre-training (held-out accuracy, calibration, RL, evaluation) asks forward
  // questions, and reverse documents are 1.7x longer; the paper presets keep the study's 50/50.
  'mini-pretrain': {
    stage: 'pretrain', model: 'mini', mixture: { ops: { easy: 0.6, medium: 0.25, hard: 0.15 }, modes: { forward: 1 } }, tokens: 460_000, seq_len: 512, batch_size: 4, grad_accum: 1,
    lr: 4e-3, min_lr: 4e-4, warmup: 0.03, eval_ops: ID_OPS, eval_per_op: 30, eval_max_new_tokens: 192, eval_interval: 0, checkpoint_interval: 50,
  },
  'mini-midtrain': {
    stage: 'midtrain', model: 'mini', mixture: { components: [{ share: 0.2, ops: { '2-10': 1 }, modes: { forward: 1 } }, { share: 0.8, ops: { '11-14': 1 }, modes: { forward: 1 } }] },
    tokens: 120_000, seq_len: 512, batch_size: 4, grad_accum: 1,
    lr: 1e-3, min_lr: 1e-4, warmup: 0.15, eval_ops: [...ID_OPS, 11, 12, 13, 14], eval_per_op: 15, eval_max_new_tokens: 256, checkpoint_interval: 50,
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
