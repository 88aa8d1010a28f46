// GPU buffers a forward over T tokens needs, and the gradient scratch of its backward. Allocated
// once per model for its largest micro-batch and reused. A training forward keeps every layer's
// intermediates for the backward; a forward that only scores (the RL reference) shares one set.
import type { Gpu } from '../gpu/device.js';
import { headDim, type Qwen2Config } from './config.js';
import { embedRows } from './params.js';

export interface LayerActs {
  h1: GPUBuffer; // input_layernorm output [T, D]
  rstd1: GPUBuffer; // [T]
  q: GPUBuffer; // [T, H*hd] after bias and RoPE
  k: GPUBuffer; // [T, KVH*hd] after bias and RoPE
  v: GPUBuffer; // [T, KVH*hd]
  o: GPUBuffer; // attention output [T, H*hd]
  lse: GPUBuffer; // [T, H]
  xMid: GPUBuffer; // residual after attention [T, D]
  h2: GPUBuffer; // post_attention_layernorm output [T, D]
  rstd2: GPUBuffer;
  gate: GPUBuffer; // [T, F]
  up: GPUBuffer; // [T, F]
  act: GPUBuffer; // silu(gate) * up [T, F]
}

export interface ForwardActs {
  T: number;
  ids: GPUBuffer;
  targets: GPUBuffer;
  mask: GPUBuffer;
  /** Residual stream: x[0] embeddings, x[l + 1] output of layer l. */
  x: GPUBuffer[];
  layers: LayerActs[];
  hf: GPUBuffer; // final norm output [T, D]
  rstdf: GPUBuffer;
  loss: GPUBuffer; // per-token loss [T]
  entWeights: GPUBuffer; // RL's entropy-bonus weight per token [T]
  entropy: GPUBuffer; // per-token entropy of the policy [T] (RL)
  logits: GPUBuffer; // one chunk of logits [chunk, Vp]
  lossSum: GPUBuffer; // [1]
  lossPartials: GPUBuffer;
  tmp: GPUBuffer; // [T, D] branch output before the residual add
}

/** The backward's scratch (what it writes besides the parameter gradients). */
export interface GradActs {
  dResid: GPUBuffer; // gradient of the residual stream [T, D]
  dH: GPUBuffer; // gradient of a norm output [T, D]
  dQ: GPUBuffer;
  dK: GPUBuffer;
  dV: GPUBuffer;
  dO: GPUBuffer;
  dGate: GPUBuffer;
  dUp: GPUBuffer;
  dAct: GPUBuffer;
  attnScratch: GPUBuffer;
  embOffsets: GPUBuffer; // CSR of token positions by id, for the embedding backward
  embPositions: GPUBuffer;
}

/** Tokens per chunk of the LM head's logits (bounds that buffer). */
export const LOGIT_CHUNK = 1024;

const floats = (gpu: Gpu) => (n: number, label: string) => gpu.buffer(Math.max(1, n) * 4, label);

/**
 * The forward's buffers over T tokens. `keep`: one residual and one set of intermediates per layer
 * (what the backward reads); otherwise every layer overwrites one set, the residual in place.
 */
export function allocForwardActs(gpu: Gpu, c: Qwen2Config, T: number, keep: boolean): ForwardActs {
  const D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c);
  const H = c.num_attention_heads,
    Q = H * hd,
    KV = c.num_key_value_heads * hd,
    L = c.num_hidden_layers;
  const f = floats(gpu);
  const layer = (l: number | string): LayerActs => {
    const h1 = f(T * D, `h1.${l}`),
      rstd1 = f(T, `rstd1.${l}`);
    return {
      h1,
      rstd1,
      q: f(T * Q, `q.${l}`),
      k: f(T * KV, `k.${l}`),
      v: f(T * KV, `v.${l}`),
      o: f(T * Q, `o.${l}`),
      lse: f(T * H, `lse.${l}`),
      xMid: f(T * D, `xMid.${l}`),
      // Without a backward the second norm's output may take the first's place (q, k, v have read it).
      h2: keep ? f(T * D, `h2.${l}`) : h1,
      rstd2: keep ? f(T, `rstd2.${l}`) : rstd1,
      gate: f(T * F, `gate.${l}`),
      up: f(T * F, `up.${l}`),
      act: f(T * F, `act.${l}`),
    };
  };
  const shared = keep ? undefined : { x: f(T * D, 'x'), layer: layer('shared') };
  const chunk = T <= LOGIT_CHUNK ? T : LOGIT_CHUNK;
  return {
    T,
    ids: f(T, 'ids'),
    targets: f(T, 'targets'),
    mask: f(T, 'mask'),
    x: Array.from({ length: L + 1 }, (_, l) => shared?.x ?? f(T * D, `x.${l}`)),
    layers: Array.from({ length: L }, (_, l) => shared?.layer ?? layer(l)),
    hf: f(T * D, 'hf'),
    rstdf: f(T, 'rstdf'),
    loss: f(T, 'loss'),
    entWeights: f(T, 'entWeights'),
    entropy: f(T, 'entropy'),
    logits: f(chunk * embedRows(c), 'logits'),
    lossSum: f(1, 'lossSum'),
    lossPartials: f(Math.ceil(T / 4096) + 1, 'lossPartials'),
    tmp: f(T * D, 'tmp'),
  };
}

export function allocGradActs(gpu: Gpu, c: Qwen2Config, T: number, attnScratchFloats: number): GradActs {
  const D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c);
  const Q = c.num_attention_heads * hd,
    KV = c.num_key_value_heads * hd;
  const f = floats(gpu);
  return {
    dResid: f(T * D, 'dResid'),
    dH: f(T * D, 'dH'),
    dQ: f(T * Q, 'dQ'),
    dK: f(T * KV, 'dK'),
    dV: f(T * KV, 'dV'),
    dO: f(T * Q, 'dO'),
    dGate: f(T * F, 'dGate'),
    dUp: f(T * F, 'dUp'),
    dAct: f(T * F, 'dAct'),
    attnScratch: f(attnScratchFloats, 'attnScratch'),
    embOffsets: f(embedRows(c) + 1, 'embOffsets'),
    embPositions: f(T, 'embPositions'),
  };
}
