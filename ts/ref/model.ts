// The whole Qwen2 forward in plain f64, composed from the kernel references: the ground truth for
// the model's finite-difference check (ts/model/model.ts must match its gradients).
import { headDim, type Qwen2Config } from '../model/config.js';
import { paramLayout } from '../model/params.js';
import { refAttentionForward } from './attention.js';
import { refCrossEntropy } from './cross_entropy.js';
import { refEmbedding } from './embedding.js';
import { refMatmul } from './matmul.js';
import { refRmsNorm } from './rmsnorm.js';
import { refRope, refRopeTable } from './rope.js';
import { refSwiglu } from './swiglu.js';

export interface RefBatch {
  ids: ArrayLike<number>;
  targets: ArrayLike<number>;
  mask: ArrayLike<number>;
  B: number;
  S: number;
}

/** Masked mean cross-entropy and logits [T, vocab] of the model with flat parameters `params`. */
export function refModelForward(
  c: Qwen2Config,
  params: ArrayLike<number>,
  b: RefBatch,
): { loss: number; logits: Float64Array } {
  const layout = paramLayout(c);
  const T = b.B * b.S,
    D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c),
    H = c.num_attention_heads,
    KVH = c.num_key_value_heads;
  const Q = H * hd,
    KV = KVH * hd;
  const t = (name: string, rows?: number) => {
    const s = layout.byName.get(name)!;
    return Array.prototype.slice.call(params, s.offset, s.offset + (rows ?? s.size)) as number[];
  };
  const linear = (x: ArrayLike<number>, w: string, N: number, K: number, bias?: string) => {
    const y = refMatmul({ a: x, b: t(w), M: T, N, K, transB: true });
    if (bias) {
      const bv = t(bias);
      for (let i = 0; i < y.length; i++) y[i] += bv[i % N];
    }
    return y;
  };
  const add = (a: Float64Array, x: Float64Array) => a.map((v, i) => v + x[i]);
  const table = refRopeTable(b.S, hd, c.rope_theta);
  let x: Float64Array = refEmbedding(b.ids, t('model.embed_tokens.weight'), D);
  for (let l = 0; l < c.num_hidden_layers; l++) {
    const pre = `model.layers.${l}.`,
      att = `${pre}self_attn.`,
      mlp = `${pre}mlp.`;
    const h1 = refRmsNorm(x, t(`${pre}input_layernorm.weight`), T, D, c.rms_norm_eps).y;
    const q = refRope(linear(h1, `${att}q_proj.weight`, Q, D, `${att}q_proj.bias`), table, T, b.S, H, hd);
    const k = refRope(linear(h1, `${att}k_proj.weight`, KV, D, `${att}k_proj.bias`), table, T, b.S, KVH, hd);
    const v = linear(h1, `${att}v_proj.weight`, KV, D, `${att}v_proj.bias`);
    const o = refAttentionForward({ q, k, v, B: b.B, S: b.S, H, KVH, hd }).o;
    x = add(x, linear(o, `${att}o_proj.weight`, D, Q));
    const h2 = refRmsNorm(x, t(`${pre}post_attention_layernorm.weight`), T, D, c.rms_norm_eps).y;
    const act = refSwiglu(linear(h2, `${mlp}gate_proj.weight`, F, D), linear(h2, `${mlp}up_proj.weight`, F, D));
    x = add(x, linear(act, `${mlp}down_proj.weight`, D, F));
  }
  const hf = refRmsNorm(x, t('model.norm.weight'), T, D, c.rms_norm_eps).y;
  const V = c.vocab_size;
  const logits = refMatmul({ a: hf, b: t('model.embed_tokens.weight', V * D), M: T, N: V, K: D, transB: true });
  let counted = 0;
  for (let i = 0; i < T; i++) counted += b.mask[i];
  const { loss } = refCrossEntropy({ logits, targets: b.targets, mask: b.mask, rows: T, vocab: V, scale: 1 / counted });
  return { loss: loss.reduce((a, v) => a + v, 0) / counted, logits };
}
