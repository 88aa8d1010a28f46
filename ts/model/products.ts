// The matrix products of one layer's training step at T tokens, as ts/ops/matmul_select.ts times
// them to choose the device's matmul variant: each projection y = x·Wᵀ and its two gradients
// (dx = dy·W, dW = dyᵀ·x), as layer.ts runs them through matmulGrads.
import type { Gpu } from '../gpu/device.js';
import { selectMatmul, type MatmulChoice, type Product } from '../ops/matmul_select.js';
import { headDim, type Qwen2Config } from './config.js';

/** Chooses the device's matmul variant at a training step's shapes (before a model records its dispatches). */
export function chooseKernels(gpu: Gpu, config: Qwen2Config, tokens: number): Promise<MatmulChoice> {
  return selectMatmul(gpu, layerProducts(config, tokens));
}

export function layerProducts(c: Qwen2Config, T: number): Product[] {
  const D = c.hidden_size,
    F = c.intermediate_size,
    Q = c.num_attention_heads * headDim(c),
    KV = c.num_key_value_heads * headDim(c);
  // [out, in] of each projection shape (q, k/v, o, gate/up, down).
  const shapes = [
    ...new Map(
      [
        [Q, D],
        [KV, D],
        [D, Q],
        [F, D],
        [D, F],
      ].map(([o, i]) => [`${o}x${i}`, [o, i]]),
    ).values(),
  ];
  return shapes.flatMap(([out, inn]) => [
    { M: T, N: out, K: inn, transB: true },
    { M: T, N: inn, K: out },
    { M: out, N: inn, K: T, transA: true },
  ]);
}
