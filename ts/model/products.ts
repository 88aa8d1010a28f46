// The matrix products of one layer's training step at T tokens, as ts/ops/matmul_select.ts times
// them to choose the device's matmul variant: each projection y = x·Wᵀ and its two gradients
// (dx = dy·W, dW = dyᵀ·x), as layer.ts runs them through matmulGrads; and its attention shape, at
// which ts/ops/attention_select.ts times the attention kernels.
import type { Gpu } from '../gpu/device.js';
import { selectAttention, type AttentionChoice } from '../ops/attention_select.js';
import { selectMatmul, type MatmulChoice, type Product } from '../ops/matmul_select.js';
import { headDim, type Qwen2Config } from './config.js';

/**
 * Chooses the device's matmul and attention variants at a training step's shapes (B sequences of S
 * tokens), before a model records its dispatches.
 */
export async function chooseKernels(
  gpu: Gpu,
  config: Qwen2Config,
  B: number,
  S: number,
): Promise<{ matmul: MatmulChoice; attention: AttentionChoice }> {
  const matmul = await selectMatmul(gpu, layerProducts(config, B * S));
  const { num_attention_heads: H, num_key_value_heads: KVH } = config;
  const attention = await selectAttention(gpu, { B, S, H, KVH, hd: headDim(config) });
  return { matmul, attention };
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
