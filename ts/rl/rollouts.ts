// Rollout sequences (prompt + completion) packed into the model's [rows, S] training batches, with
// the completion tokens' positions, so per-token log-probabilities line up with the sampler's.
import type { Batch } from '../model/batch.js';

export interface Rollout {
  prompt: Int32Array;
  completion: Int32Array;
  /** Sampling-time log-probabilities of the completion tokens. */
  logprobs: Float32Array;
  advantage: number;
}

export interface PackedBatch {
  batch: Batch;
  /** For each counted position t of the batch: its rollout (index into the list) and completion token. */
  positions: { t: number; rollout: number; token: number }[];
}

/** Packs rollouts[first .. first+rows) into one batch of `rows` x S (padding rows masked out). */
export function packRollouts(rollouts: Rollout[], first: number, rows: number, S: number, pad: number): PackedBatch {
  const ids = new Uint32Array(rows * S).fill(pad);
  const targets = new Uint32Array(rows * S).fill(pad);
  const mask = new Float32Array(rows * S);
  const positions: PackedBatch['positions'] = [];
  for (let r = 0; r < rows && first + r < rollouts.length; r++) {
    const { prompt, completion } = rollouts[first + r];
    const seq = [...prompt, ...completion];
    if (seq.length > S + 1)
      throw new Error(`rollout ${first + r}: ${seq.length} tokens exceed the training context of ${S + 1}`);
    for (let j = 0; j + 1 < seq.length; j++) {
      ids[r * S + j] = seq[j];
      targets[r * S + j] = seq[j + 1];
      const k = j + 1 - prompt.length; // completion token predicted at position j
      if (k >= 0) {
        mask[r * S + j] = 1;
        positions.push({ t: r * S + j, rollout: first + r, token: k });
      }
    }
  }
  return { batch: { ids, targets, mask }, positions };
}
