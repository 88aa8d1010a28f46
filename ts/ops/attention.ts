// Host side of shaders/attention.wgsl: grouped-query causal attention over B sequences of S
// tokens (T = B*S rows), forward with an online softmax, and backward.
import type { Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/attention.wgsl';
import { grid2d } from './grid.js';

const forwardKernel: Kernel = { name: 'attention', source, entry: 'forward' };
const WG = 64; // invocations per workgroup (WG in the shader)
// Positions per invocation (R in the shader): each k/v load serves R rows; 2 halves the forward's
// time on lavapipe against 1, while 4 gains little more and compiles for much longer.
const FORWARD_ROWS = 2;
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
  q: GPUBuffer;
  /** [T, KVH*hd] */
  k: GPUBuffer;
  v: GPUBuffer;
  /** [T, H*hd] output. */
  o: GPUBuffer;
  /** [T, H] output: log Σ exp(score) per query row and head, kept for the backward. */
  lse: GPUBuffer;
}

/** Throws a clear error for a shape the kernels do not take. */
export function checkAttentionShape(x: AttentionShape, what = 'attention'): void {
  const { B, S, H, KVH, hd } = x;
  for (const [name, n] of Object.entries({ B, S, H, KVH, hd })) {
    if (!(Number.isInteger(n) && n > 0)) throw new Error(`${what}: ${name} must be a positive integer, got ${n}`);
  }
  if (H % KVH) throw new Error(`${what}: H (${H}) must be a multiple of KVH (${KVH})`);
  if (hd % 4 || hd > MAX_HD) throw new Error(`${what}: hd must be a multiple of 4 and at most ${MAX_HD} (vec4 rows in registers), got ${hd}`);
}

/** One invocation per (rows positions, head): the dispatch of one entry point. */
function dispatch(kernel: Kernel, x: AttentionShape, heads: number, rows: number, buffers: GPUBuffer[]): Dispatch {
  const blocks = Math.ceil(x.S / (WG * rows));
  return {
    kernel,
    constants: { HD4: x.hd / 4, R: rows },
    buffers,
    params: new Params(8).u32(x.B).u32(x.S).u32(x.H).u32(x.KVH).u32(blocks).f32(1 / Math.sqrt(x.hd)).pad().pad().words,
    workgroups: grid2d(x.B * heads * blocks),
  };
}

/** o = softmax(causal(q·kᵀ / sqrt(hd))) · v per head, and the log-sum-exp of each softmax row. */
export function attentionForward(x: AttentionForwardArgs): Dispatch[] {
  checkAttentionShape(x, 'attentionForward');
  return [dispatch(forwardKernel, x, x.H, FORWARD_ROWS, [x.q, x.k, x.v, x.o, x.lse])];
}
