// Plain reference of shaders/attention.wgsl (f64), for tests: grouped-query causal attention,
// written the textbook way (scores, causal mask, softmax, weighted sum) with no online softmax,
// and its backward by the chain rule through those same steps.
import type { AttentionShape } from '../ops/attention.js';

export interface RefAttentionInputs extends AttentionShape {
  /** [B*S, H*hd] */
  q: ArrayLike<number>;
  /** [B*S, KVH*hd] */
  k: ArrayLike<number>;
  /** [B*S, KVH*hd] */
  v: ArrayLike<number>;
}

export interface RefAttentionOutputs {
  /** [B*S, H*hd] */
  o: Float64Array;
  /** [B*S, H]: log Σ_j exp(score) per query row and head. */
  lse: Float64Array;
}

/** Softmax weights of query position i (keys 0..i of its sequence) for one head: [i + 1]. */
function weights(x: RefAttentionInputs, b: number, i: number, h: number): { p: Float64Array; lse: number } {
  const { S, H, KVH, hd } = x;
  const g = Math.floor(h / (H / KVH)); // repeat_kv: query heads h..h+H/KVH-1 share kv head g
  const scale = 1 / Math.sqrt(hd);
  const qi = ((b * S + i) * H + h) * hd;
  const s = new Float64Array(i + 1);
  for (let j = 0; j <= i; j++) {
    const kj = ((b * S + j) * KVH + g) * hd;
    let dot = 0;
    for (let d = 0; d < hd; d++) dot += x.q[qi + d] * x.k[kj + d];
    s[j] = dot * scale;
  }
  const m = Math.max(...s);
  let sum = 0;
  for (let j = 0; j <= i; j++) sum += Math.exp(s[j] - m);
  const lse = m + Math.log(sum);
  return { p: s.map((sj) => Math.exp(sj - lse)), lse };
}

export function refAttentionForward(x: RefAttentionInputs): RefAttentionOutputs {
  const { B, S, H, KVH, hd } = x;
  const o = new Float64Array(B * S * H * hd);
  const lse = new Float64Array(B * S * H);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      for (let h = 0; h < H; h++) {
        const w = weights(x, b, i, h);
        const g = Math.floor(h / (H / KVH));
        const oi = ((b * S + i) * H + h) * hd;
        for (let j = 0; j <= i; j++) {
          const vj = ((b * S + j) * KVH + g) * hd;
          for (let d = 0; d < hd; d++) o[oi + d] += w.p[j] * x.v[vj + d];
        }
        lse[(b * S + i) * H + h] = w.lse;
      }
    }
  }
  return { o, lse };
}

export interface RefAttentionGrads {
  dq: Float64Array;
  dk: Float64Array;
  dv: Float64Array;
}

/** Gradients of Σ dO ∘ o with respect to q, k and v. */
export function refAttentionBackward(x: RefAttentionInputs & { dO: ArrayLike<number> }): RefAttentionGrads {
  const { B, S, H, KVH, hd } = x;
  const scale = 1 / Math.sqrt(hd);
  const dq = new Float64Array(B * S * H * hd);
  const dk = new Float64Array(B * S * KVH * hd);
  const dv = new Float64Array(B * S * KVH * hd);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      for (let h = 0; h < H; h++) {
        const { p } = weights(x, b, i, h);
        const g = Math.floor(h / (H / KVH));
        const oi = ((b * S + i) * H + h) * hd;
        // o = Σ_j p_j v_j: dv_j += p_j dO, dp_j = dO · v_j.
        const dp = new Float64Array(i + 1);
        for (let j = 0; j <= i; j++) {
          const vj = ((b * S + j) * KVH + g) * hd;
          for (let d = 0; d < hd; d++) {
            dv[vj + d] += p[j] * x.dO[oi + d];
            dp[j] += x.dO[oi + d] * x.v[vj + d];
          }
        }
        // Softmax: ds_j = p_j (dp_j - Σ_l p_l dp_l); s_j = scale q · k_j.
        let pdp = 0;
        for (let j = 0; j <= i; j++) pdp += p[j] * dp[j];
        for (let j = 0; j <= i; j++) {
          const ds = p[j] * (dp[j] - pdp) * scale;
          const kj = ((b * S + j) * KVH + g) * hd;
          for (let d = 0; d < hd; d++) {
            dq[oi + d] += ds * x.k[kj + d];
            dk[kj + d] += ds * x.q[oi + d];
          }
        }
      }
    }
  }
  return { dq, dk, dv };
}
