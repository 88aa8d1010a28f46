// Host side of shaders/attention.wgsl: grouped-query causal attention over B sequences of S
// tokens (T = B*S rows), forward with an online softmax, and backward. Both run on the variant in use
// (setAttentionVariant; chosen per adapter by ts/ops/attention_select.ts): 'lavapipe', this file's
// register kernels, or a workgroup-memory tile (ts/ops/attention_tiled.ts), bit-identical.
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import body from '../../shaders/attention.wgsl';
import {
  ATTENTION_TILES,
  tiledAttentionBackward,
  tiledAttentionForward,
  type TiledAttention,
} from './attention_tiled.js';
import { attentionParams } from './attention_params.js';
import { grid2d } from './grid.js';

const source = withDetMath(body);

const forwardKernel: Kernel = { name: 'attention', source, entry: 'forward' };
const queryKernel: Kernel = { name: 'attention', source, entry: 'backward_query' };
const kvKernel: Kernel = { name: 'attention', source, entry: 'backward_kv' };
const WG = 64; // invocations per workgroup (WG in the shader)
// Positions per invocation (R in the shader): each k/v load serves R rows; 2 halves the forward's
// time on lavapipe against 1, while 4 gains little more and compiles for much longer.
// shaders/attention_tiled.wgsl reproduces this forward's reads of masked keys for R = 2: keep them in step.
const FORWARD_ROWS = 2;
// shaders/attention_tiled_bwd.wgsl reproduces the backward's pairs (masked keys' reads, and each key
// row's chain of queries from its pair's first key) for R = 2: keep them in step too.
const QUERY_ROWS = 2; // backward_query
const KV_ROWS = 2; // backward_kv
const MAX_HD = 128; // 4 * MAX_D4 in the shader

/** The kernels attention can run on: 'lavapipe' (shaders/attention.wgsl) or a workgroup-memory tile. */
export type AttentionVariant = 'lavapipe' | TiledAttention;
export const ATTENTION_VARIANTS: readonly AttentionVariant[] = [
  'lavapipe',
  ...(Object.keys(ATTENTION_TILES) as TiledAttention[]),
];

// Process-wide, as matmul's: a process opens one device.
let inUse: AttentionVariant = 'lavapipe';
let unrollInUse = true;

/**
 * Makes `v` the variant of every later forward and backward that names none; `unroll` (tiled variants): loops
 * over the head dimension that a GPU's compiler unrolls, where CPU adapters compile for tens of
 * seconds (ts/ops/attention_tiled.ts). It changes compile time and speed, never the bits.
 */
export function setAttentionVariant(v: AttentionVariant, unroll = true): void {
  if (!ATTENTION_VARIANTS.includes(v)) {
    throw new Error(`unknown attention variant '${v}'; use one of ${ATTENTION_VARIANTS.join(', ')}`);
  }
  inUse = v;
  unrollInUse = unroll;
}

export function attentionVariant(): AttentionVariant {
  return inUse;
}

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
  /** The kernels; default the ones in use (setAttentionVariant). Every variant gives the same bits. */
  variant?: AttentionVariant;
  /** Tiled variants: unrolled head-dimension loops (setAttentionVariant); default as in use. */
  unroll?: boolean;
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
    params: attentionParams(x, blocks),
    workgroups: grid2d(x.B * heads * blocks),
  };
}

/** o = softmax(causal(q·kᵀ / sqrt(hd))) · v per head, and the log-sum-exp of each softmax row. */
export function attentionForward(x: AttentionForwardArgs): Dispatch[] {
  checkAttentionShape(x, 'attentionForward');
  const variant = x.variant ?? inUse;
  const buffers = [x.q, x.k, x.v, x.o, x.lse];
  if (variant !== 'lavapipe') return [tiledAttentionForward(variant, x, buffers, x.unroll ?? unrollInUse)];
  return [dispatch(forwardKernel, x, x.H, FORWARD_ROWS, buffers)];
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
  const variant = x.variant ?? inUse;
  const query = [x.q, x.k, x.v, x.o, x.lse, x.dO, x.dq, x.scratch];
  const kv = [x.q, x.k, x.v, x.lse, x.dO, x.scratch, x.dk, x.dv];
  if (variant !== 'lavapipe') return tiledAttentionBackward(variant, x, query, kv, x.unroll ?? unrollInUse);
  return [dispatch(queryKernel, x, x.H, QUERY_ROWS, query), dispatch(kvKernel, x, x.KVH, KV_ROWS, kv)];
}
