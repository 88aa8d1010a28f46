// One Qwen2 decoder layer's forward as a dispatch list, shared by training (ts/model/model.ts,
// which keeps every intermediate for the backward) and decoding (ts/model/decoder.ts, which reuses
// one set of buffers). How positions are applied and how attention reads keys and values differ
// between the two, so the caller passes those dispatches in.
import type { Binding, Dispatch } from '../gpu/device.js';
import { biasAdd } from '../ops/bias.js';
import { binary } from '../ops/elementwise.js';
import { matmul } from '../ops/matmul.js';
import { rmsnorm } from '../ops/rmsnorm.js';
import { swiglu } from '../ops/swiglu.js';
import { headDim, type Qwen2Config } from './config.js';

export interface LayerBuffers {
  /** Input residual [T, D] and output residual (may be the same buffer as x). */
  x: Binding;
  out: Binding;
  h1: Binding;
  rstd1: Binding;
  q: Binding;
  k: Binding;
  v: Binding;
  o: Binding;
  xMid: Binding;
  h2: Binding;
  rstd2: Binding;
  gate: Binding;
  up: Binding;
  act: Binding;
  /** [T, D] scratch for a branch's output before its residual add. */
  tmp: Binding;
}

/**
 * h1 = norm(x); q,k,v = h1·Wᵀ + b; `positions` (RoPE on q, k); `attend` (o from q, k, v);
 * xMid = x + o·Woᵀ; h2 = norm(xMid); out = xMid + (silu(h2·Wgᵀ) * h2·Wuᵀ)·Wdᵀ.
 */
export function layerForward(c: Qwen2Config, l: number, T: number, p: (name: string) => Binding, b: LayerBuffers, positions: Dispatch[], attend: Dispatch[]): Dispatch[] {
  const D = c.hidden_size, F = c.intermediate_size, hd = headDim(c);
  const Q = c.num_attention_heads * hd, KV = c.num_key_value_heads * hd;
  const pre = `model.layers.${l}.`, att = `${pre}self_attn.`, mlp = `${pre}mlp.`;
  const linear = (x: Binding, w: string, y: Binding, N: number, K: number) => matmul({ a: x, b: p(w), c: y, M: T, N, K, transB: true });
  return [
    rmsnorm({ x: b.x, weight: p(`${pre}input_layernorm.weight`), y: b.h1, rstd: b.rstd1, T, D, eps: c.rms_norm_eps }),
    linear(b.h1, `${att}q_proj.weight`, b.q, Q, D),
    linear(b.h1, `${att}k_proj.weight`, b.k, KV, D),
    linear(b.h1, `${att}v_proj.weight`, b.v, KV, D),
    biasAdd({ x: b.q, bias: p(`${att}q_proj.bias`), T, N: Q }),
    biasAdd({ x: b.k, bias: p(`${att}k_proj.bias`), T, N: KV }),
    biasAdd({ x: b.v, bias: p(`${att}v_proj.bias`), T, N: KV }),
    ...positions,
    ...attend,
    linear(b.o, `${att}o_proj.weight`, b.tmp, D, Q),
    binary('add', b.x, b.tmp, b.xMid, T * D),
    rmsnorm({ x: b.xMid, weight: p(`${pre}post_attention_layernorm.weight`), y: b.h2, rstd: b.rstd2, T, D, eps: c.rms_norm_eps }),
    linear(b.h2, `${mlp}gate_proj.weight`, b.gate, F, D),
    linear(b.h2, `${mlp}up_proj.weight`, b.up, F, D),
    swiglu({ gate: b.gate, up: b.up, h: b.act, n: T * F }),
    linear(b.act, `${mlp}down_proj.weight`, b.tmp, D, F),
    binary('add', b.xMid, b.tmp, b.out, T * D),
  ];
}
