// One Qwen2 decoder layer's forward and backward as dispatch lists. The forward is shared by the
// full-sequence forward (ts/model/inference.ts; training keeps every intermediate for the backward)
// and decoding (ts/model/decoder.ts). How positions are applied and how attention reads keys and
// values differ between those, so the caller passes those dispatches in. The backward
// (ts/model/training.ts) follows the full-sequence forward: causal attention over B rows of S.
import type { Binding, Dispatch } from '../gpu/device.js';
import { attentionBackward } from '../ops/attention.js';
import { biasAdd, biasBackward } from '../ops/bias.js';
import { binary } from '../ops/elementwise.js';
import { matmul, matmulGrads, type MatmulArgs } from '../ops/matmul.js';
import { rmsnorm, rmsnormBackward } from '../ops/rmsnorm.js';
import { ropeBackward } from '../ops/rope.js';
import { swiglu, swigluBackward } from '../ops/swiglu.js';
import type { GradActs, LayerActs } from './activations.js';
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
export function layerForward(
  c: Qwen2Config,
  l: number,
  T: number,
  p: (name: string) => Binding,
  b: LayerBuffers,
  positions: Dispatch[],
  attend: Dispatch[],
): Dispatch[] {
  const D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c);
  const Q = c.num_attention_heads * hd,
    KV = c.num_key_value_heads * hd;
  const pre = `model.layers.${l}.`,
    att = `${pre}self_attn.`,
    mlp = `${pre}mlp.`;
  const linear = (x: Binding, w: string, y: Binding, N: number, K: number) =>
    matmul({ a: x, b: p(w), c: y, M: T, N, K, transB: true });
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
    rmsnorm({
      x: b.xMid,
      weight: p(`${pre}post_attention_layernorm.weight`),
      y: b.h2,
      rstd: b.rstd2,
      T,
      D,
      eps: c.rms_norm_eps,
    }),
    linear(b.h2, `${mlp}gate_proj.weight`, b.gate, F, D),
    linear(b.h2, `${mlp}up_proj.weight`, b.up, F, D),
    swiglu({ gate: b.gate, up: b.up, h: b.act, n: T * F }),
    linear(b.act, `${mlp}down_proj.weight`, b.tmp, D, F),
    binary('add', b.xMid, b.tmp, b.out, T * D),
  ];
}

/**
 * The backward of layerForward over B rows of S tokens: dResid holds d(out) on entry and d(x) on
 * exit; parameter gradients are added through `g`. `saved` is what the forward kept, its input x
 * included; d.tmp is only the shape of the forward's products.
 */
export function layerBackward(
  c: Qwen2Config,
  l: number,
  rows: { B: number; S: number },
  p: (name: string) => Binding,
  g: (name: string) => Binding,
  saved: LayerActs & { x: GPUBuffer },
  d: GradActs & { tmp: GPUBuffer },
  ropeTab: GPUBuffer,
): Dispatch[] {
  const { B, S } = rows,
    T = B * S;
  const D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c),
    H = c.num_attention_heads,
    KVH = c.num_key_value_heads;
  const Q = H * hd,
    KV = KVH * hd;
  const pre = `model.layers.${l}.`,
    att = `${pre}self_attn.`,
    mlp = `${pre}mlp.`;
  const L = saved;
  const lin = (x: GPUBuffer, w: string, N: number, K: number): MatmulArgs => ({
    a: x,
    b: p(w),
    c: d.tmp,
    M: T,
    N,
    K,
    transB: true,
  });
  return [
    // MLP branch: out = xMid + act·Wdᵀ; dResid holds d out.
    ...matmulGrads(lin(L.act, `${mlp}down_proj.weight`, D, F), d.dResid, { da: d.dAct }),
    ...matmulGrads(lin(L.act, `${mlp}down_proj.weight`, D, F), d.dResid, {
      db: g(`${mlp}down_proj.weight`),
      accumulate: true,
    }),
    swigluBackward({ gate: L.gate, up: L.up, dh: d.dAct, dgate: d.dGate, dup: d.dUp, n: T * F }),
    // dH is written by the gate product and added to by the up product; weight gradients always add.
    ...matmulGrads(lin(L.h2, `${mlp}gate_proj.weight`, F, D), d.dGate, { da: d.dH }),
    ...matmulGrads(lin(L.h2, `${mlp}gate_proj.weight`, F, D), d.dGate, {
      db: g(`${mlp}gate_proj.weight`),
      accumulate: true,
    }),
    ...matmulGrads(lin(L.h2, `${mlp}up_proj.weight`, F, D), d.dUp, {
      da: d.dH,
      db: g(`${mlp}up_proj.weight`),
      accumulate: true,
    }),
    ...rmsnormBackward({
      x: L.xMid,
      weight: p(`${pre}post_attention_layernorm.weight`),
      rstd: L.rstd2,
      dy: d.dH,
      dx: d.dResid,
      dw: g(`${pre}post_attention_layernorm.weight`),
      T,
      D,
      accumulateDx: true,
      accumulateDw: true,
    }),
    // Attention branch: xMid = x + o·Woᵀ; dResid now holds d xMid.
    ...matmulGrads(lin(L.o, `${att}o_proj.weight`, D, Q), d.dResid, { da: d.dO }),
    ...matmulGrads(lin(L.o, `${att}o_proj.weight`, D, Q), d.dResid, { db: g(`${att}o_proj.weight`), accumulate: true }),
    ...attentionBackward({
      q: L.q,
      k: L.k,
      v: L.v,
      o: L.o,
      lse: L.lse,
      dO: d.dO,
      dq: d.dQ,
      dk: d.dK,
      dv: d.dV,
      scratch: d.attnScratch,
      B,
      S,
      H,
      KVH,
      hd,
    }),
    ropeBackward({
      q: d.dQ,
      k: d.dK,
      table: ropeTab,
      tablePositions: c.max_position_embeddings,
      T,
      S,
      heads: H,
      kvHeads: KVH,
      headDim: hd,
    }),
    ...biasBackward({ dy: d.dQ, db: g(`${att}q_proj.bias`), T, N: Q, accumulate: true }),
    ...biasBackward({ dy: d.dK, db: g(`${att}k_proj.bias`), T, N: KV, accumulate: true }),
    ...biasBackward({ dy: d.dV, db: g(`${att}v_proj.bias`), T, N: KV, accumulate: true }),
    ...matmulGrads(lin(L.h1, `${att}q_proj.weight`, Q, D), d.dQ, { da: d.dH }),
    ...matmulGrads(lin(L.h1, `${att}q_proj.weight`, Q, D), d.dQ, { db: g(`${att}q_proj.weight`), accumulate: true }),
    ...matmulGrads(lin(L.h1, `${att}k_proj.weight`, KV, D), d.dK, {
      da: d.dH,
      db: g(`${att}k_proj.weight`),
      accumulate: true,
    }),
    ...matmulGrads(lin(L.h1, `${att}v_proj.weight`, KV, D), d.dV, {
      da: d.dH,
      db: g(`${att}v_proj.weight`),
      accumulate: true,
    }),
    ...rmsnormBackward({
      x: L.x,
      weight: p(`${pre}input_layernorm.weight`),
      rstd: L.rstd1,
      dy: d.dH,
      dx: d.dResid,
      dw: g(`${pre}input_layernorm.weight`),
      T,
      D,
      accumulateDx: true,
      accumulateDw: true,
    }),
  ];
}
