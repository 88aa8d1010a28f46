// What the model trains and scores on: B rows of S next-token pairs with a loss mask (made by
// ts/train/batches.ts for pre-training and ts/rl/rollouts.ts for RL).
export interface Batch {
  /** [B*S] input ids. */
  ids: Uint32Array;
  /** [B*S] next-token ids. */
  targets: Uint32Array;
  /** [B*S] loss weights (1 = counted). */
  mask: Float32Array;
}
