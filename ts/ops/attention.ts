// Host side of shaders/attention.wgsl: grouped-query causal attention over B sequences of S
// tokens (T = B*S rows), forward with an online softmax, and backward.
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import body from '../../shaders/attention.wgsl';
import { grid2d } from './grid.js';

const source = withDetMath(body);

const forwardKernel: Kernel = { name: 'attention', source, entry: 'forward' };
const queryKernel: Kernel = { name: 'attention', source, entry: 'backward_query' };
const kvKernel: Kernel = { name: 'attention', source, entry: 'backward_kv' };
const WG = 64; // invocations per workgroup (WG in the shader)
// Positions per invocation (R in the shader): each k/v load serves R rows; 2 halves the forward's
// time on lavapipe against 1, while 4 gains little more and compiles for much longer.
const FORWARD_ROWS = 2;
const QUERY_ROWS = 2; // backward_query
const KV_ROWS = 2; // backward_kv
const MAX_HD = 128; // 4 * MAX_D4 in the shader

/** Shape of an attention call; shared with the reference (ts/ref/attention.ts). */
export interface AttentionShape {
  /** Sequences, and tokens per sequence: T = B*S rows. */
  B: number;
  S: number;
  /** Query heads and key/value heads (H % KVH == 0; query head h reads kv head h / (H/KVH)). */
  H: number;
  KVH: number;
  /** Head dimension; scores are q·k / sqrt(hd). */
  hd: number;
}

export interface AttentionForwardArgs extends AttentionShape {
  /** [T, H*hd] */
  q: Binding;
  /** [T, KVH*hd] */
  k: Binding;
  v: Binding;
  /** [T, H*hd] output (in the backward, the forward's output). */
  o: Binding;
  /** [T, H] output: log Σ exp(score) per query row and head, kept for the backward. */
  lse: Binding;
}

export interface AttentionBackwardArgs extends AttentionForwardArgs {
  /** [T, H*hd]: gradient of the loss with respect to o. */
  dO: Binding;
  /** Outputs (overwritten): [T, H*hd], [T, KVH*hd], [T, KVH*hd]. */
  dq: Binding;
  dk: Binding;
  dv: Binding;
  /** attentionBackwardScratch(shape) floats: D = rowsum(dO ∘ o) per (row, head). */
  scratch: Binding;
}

/** Throws a clear error for a shape the kernels do not take. */
export function checkAttentionShape(x: AttentionShape, what = 'attention'): void {
  const { B, S, H, KVH, hd } = x;
  for (const [name, n] of Object.entries({ B, S, H, KVH, hd })) {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`${what}: ${name} must be a positive integer, got ${n}`);
  }
  if (H % KVH) throw new Error(`${what}: H (${H}) must be a multiple of KVH (${KVH})`);
  if (hd % 4 || hd > MAX_HD)
    throw new Error(`${what}: hd must be a multiple of 4 and at most ${MAX_HD} (vec4 rows in registers), got ${hd}`);
}

/** One invocation per (rows positions, head): the dispatch of one entry point. */
function dispatch(kernel: Kernel, x: AttentionShape, heads: number, rows: number, buffers: Binding[]): Dispatch {
  const blocks = Math.ceil(x.S / (WG * rows));
  return {
    kernel,
    constants: { R: rows },
    buffers,
    params: new Params(8)
      .u32(x.B)
      .u32(x.S)
      .u32(x.H)
      .u32(x.KVH)
      .u32(blocks)
      .f32(1 / Math.sqrt(x.hd))
      .u32(x.hd / 4)
      .pad().words, // _pad = 0: the backward's exp loop adds it to its trip count (shader)
    workgroups: grid2d(x.B * heads * blocks),
  };
}

/** o = softmax(causal(q·kᵀ / sqrt(hd))) · v per head, and the log-sum-exp of each softmax row. */
export function attentionForward(x: AttentionForwardArgs): Dispatch[] {
  checkAttentionShape(x, 'attentionForward');
  return [dispatch(forwardKernel, x, x.H, FORWARD_ROWS, [x.q, x.k, x.v, x.o, x.lse])];
}

/** Floats of the backward's scratch buffer: [T, H]. */
export function attentionBackwardScratch(x: AttentionShape): number {
  return x.B * x.S * x.H;
}

/**
 * dq, dk, dv of a forward attentionForward(x) given dO (two dispatches: dq with D = rowsum(dO ∘ o)
 * into scratch, then dk and dv, each kv head summing over its query heads in a fixed order).
 */
export function attentionBackward(x: AttentionBackwardArgs): Dispatch[] {
  checkAttentionShape(x, 'attentionBackward');
  return [
    dispatch(queryKernel, x, x.H, QUERY_ROWS, [x.q, x.k, x.v, x.o, x.lse, x.dO, x.dq, x.scratch]),
    dispatch(kvKernel, x, x.KVH, KV_ROWS, [x.q, x.k, x.v, x.lse, x.dO, x.scratch, x.dk, x.dv]),
  ];
}
