// Plain reference of shaders/cross_entropy.wgsl and of the LM head around it (f64), for tests.
import { refMatmul } from './matmul.js';

export interface RefCrossEntropy {
  /** [rows, stride] */
  logits: ArrayLike<number>;
  targets: ArrayLike<number>;
  mask: ArrayLike<number>;
  rows: number;
  vocab: number;
  stride?: number;
  scale: number;
  /** Entropy-bonus weights e_r (optional). */
  ent?: ArrayLike<number>;
}

/**
 * loss[r] = w_r (logsumexp - z[target]); dlogits = w_r scale (softmax - onehot) + the gradient of
 * -e_r H_r, 0 on padding columns; entropy[r] = H_r where w_r or e_r is not 0.
 */
export function refCrossEntropy(x: RefCrossEntropy): {
  loss: Float64Array;
  dlogits: Float64Array;
  entropy: Float64Array;
} {
  const { rows, vocab } = x;
  const stride = x.stride ?? vocab;
  const loss = new Float64Array(rows);
  const dlogits = new Float64Array(rows * stride);
  const entropy = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const w = x.mask[r];
    const e = x.ent?.[r] ?? 0;
    if (w === 0 && e === 0) continue;
    const base = r * stride;
    let m = -Infinity;
    for (let j = 0; j < vocab; j++) m = Math.max(m, x.logits[base + j]);
    let s = 0;
    for (let j = 0; j < vocab; j++) s += Math.exp(x.logits[base + j] - m);
    const target = x.targets[r];
    const lse = m + Math.log(s);
    loss[r] = w * (lse - x.logits[base + target]);
    let h = 0;
    for (let j = 0; j < vocab; j++) {
      const logp = x.logits[base + j] - lse;
      h -= Math.exp(logp) * logp;
    }
    entropy[r] = h;
    for (let j = 0; j < vocab; j++) {
      const logp = x.logits[base + j] - lse;
      const p = Math.exp(logp);
      dlogits[base + j] = w * x.scale * (p - (j === target ? 1 : 0)) + e * p * (logp + h);
    }
  }
  return { loss, dlogits, entropy };
}

export interface RefLmHead {
  /** [T, D] */
  x: ArrayLike<number>;
  /** [embedRows, D] */
  embed: ArrayLike<number>;
  targets: ArrayLike<number>;
  mask: ArrayLike<number>;
  T: number;
  D: number;
  vocab: number;
  embedRows?: number;
  scale: number;
}

/** The tied LM head: per-token loss, and the gradients of scale * Σ loss with respect to x and embed. */
export function refLmHeadLoss(a: RefLmHead): { loss: Float64Array; dx: Float64Array; dEmbed: Float64Array } {
  const { T, D } = a;
  const V = a.embedRows ?? a.vocab;
  const logits = refMatmul({ a: a.x, b: a.embed, M: T, N: V, K: D, transB: true });
  const { loss, dlogits } = refCrossEntropy({
    logits,
    targets: a.targets,
    mask: a.mask,
    rows: T,
    vocab: a.vocab,
    stride: V,
    scale: a.scale,
  });
  const dx = refMatmul({ a: dlogits, b: a.embed, M: T, N: D, K: V });
  const dEmbed = refMatmul({ a: dlogits, b: a.x, M: V, N: D, K: T, transA: true });
  return { loss, dx, dEmbed };
}
