// Host side of shaders/rope.wgsl: the cos/sin table (HF Qwen2 semantics) and the in-place rotation
// of q and k, forward and backward.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/rope.wgsl';
import { grid2d } from './grid.js';

const kernel: Kernel = { name: 'rope', source, entry: 'rotate' };
const atKernel: Kernel = { name: 'rope', source, entry: 'rotate_at' };
const WG = 64;
/** Qwen2's rope_theta. */
export const ROPE_THETA = 1e6;

/**
 * inv_freq[i] = 1 / theta^(2i / headDim), i < headDim/2, rounded to f32 at each step as HF's
 * Qwen2RotaryEmbedding computes it (f32 tensors). f64 pow rounded to f32 may differ from torch's
 * f32 pow by one ULP for some i.
 */
export function ropeInvFreq(headDim: number, theta = ROPE_THETA): Float32Array {
  const f = Math.fround;
  return Float32Array.from({ length: headDim / 2 }, (_, i) => f(1 / f(Math.pow(theta, f((2 * i) / headDim)))));
}

/**
 * The table the kernel reads, [positions, headDim]: row p holds cos(a_pi) for i < headDim/2, then
 * sin(a_pi), where a_pi = fl32(p · inv_freq[i]) is the f32 angle HF uses (it matters: at p = 2048
 * f32 rounding moves the angle by up to 1.2e-4). cos and sin are evaluated in f64 and rounded, so
 * each entry is within 1 ULP of torch's f32 cos/sin of the same angle.
 */
export function ropeTable(positions: number, headDim: number, theta = ROPE_THETA): Float32Array {
  if (!(positions > 0 && headDim > 0 && headDim % 2 === 0))
    throw new Error(`ropeTable: need positions > 0 and an even headDim, got ${positions}, ${headDim}`);
  const inv = ropeInvFreq(headDim, theta);
  const half = headDim / 2;
  const out = new Float32Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const a = Math.fround(p * inv[i]);
      out[p * headDim + i] = Math.cos(a);
      out[p * headDim + half + i] = Math.sin(a);
    }
  }
  return out;
}

export interface RopeArgs {
  /** [T, heads·headDim], rotated in place. */
  q: Binding;
  /** [T, kvHeads·headDim], rotated in place. */
  k: Binding;
  /** ropeTable(tablePositions, headDim, theta) uploaded. */
  table: Binding;
  tablePositions: number;
  /** Tokens T = B·S; token t has position offset + t mod S. */
  T: number;
  S: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  /** Position of each sequence's first token (e.g. the KV-cache length when decoding); default 0. */
  offset?: number;
}

function dispatch(op: string, a: RopeArgs, sign: number): Dispatch {
  const offset = a.offset ?? 0;
  if (!(a.T > 0 && a.S > 0 && a.heads > 0 && a.kvHeads >= 0 && a.headDim > 0)) {
    throw new Error(
      `${op}: sizes must be positive, got T=${a.T} S=${a.S} heads=${a.heads} kvHeads=${a.kvHeads} headDim=${a.headDim}`,
    );
  }
  if (a.headDim % 8)
    throw new Error(`${op}: headDim=${a.headDim} must be a multiple of 8 (each half is read as vec4s)`);
  if (a.T % a.S) throw new Error(`${op}: T=${a.T} is not a whole number of sequences of S=${a.S}`);
  if (!(Number.isInteger(offset) && offset >= 0 && offset + a.S <= a.tablePositions)) {
    throw new Error(
      `${op}: positions ${offset}..${offset + a.S - 1} are outside the table of ${a.tablePositions} positions`,
    );
  }
  const params = new Params(8)
    .u32(a.T)
    .u32(a.S)
    .u32(offset)
    .u32(a.headDim / 8)
    .u32(a.heads)
    .u32(a.kvHeads)
    .f32(sign)
    .pad().words;
  return {
    kernel,
    buffers: [a.q, a.k, a.table],
    params,
    workgroups: grid2d(Math.ceil((a.T * (a.heads + a.kvHeads)) / WG)),
  };
}

/** Rotates q and k in place by their positions' angles. */
export function rope(a: RopeArgs): Dispatch {
  return dispatch('rope', a, 1);
}

/** The backward: rotates the gradients dq, dk (passed as q, k) back in place (the transpose of the rotation). */
export function ropeBackward(a: RopeArgs): Dispatch {
  return dispatch('ropeBackward', a, -1);
}

export interface RopeAtArgs {
  /** [rows, heads·headDim] and [rows, kvHeads·headDim], rotated in place. */
  q: Binding;
  k: Binding;
  table: Binding;
  tablePositions: number;
  /** [rows] u32: the position of each row (each below tablePositions). */
  positions: Binding;
  rows: number;
  heads: number;
  kvHeads: number;
  headDim: number;
}

/** Rotates row r of q and k by the angles of positions[r] (one decode step of several sequences). */
export function ropeAt(a: RopeAtArgs): Dispatch {
  if (!(a.rows > 0 && a.heads > 0 && a.kvHeads >= 0))
    throw new Error(`ropeAt: sizes must be positive, got rows=${a.rows} heads=${a.heads} kvHeads=${a.kvHeads}`);
  if (a.headDim % 8)
    throw new Error(`ropeAt: headDim=${a.headDim} must be a multiple of 8 (each half is read as vec4s)`);
  const params = new Params(8)
    .u32(a.rows)
    .u32(1)
    .u32(0)
    .u32(a.headDim / 8)
    .u32(a.heads)
    .u32(a.kvHeads)
    .f32(1)
    .pad().words;
  return {
    kernel: atKernel,
    buffers: [a.q, a.k, a.table, a.positions],
    params,
    workgroups: grid2d(Math.ceil((a.rows * (a.heads + a.kvHeads)) / WG)),
  };
}
