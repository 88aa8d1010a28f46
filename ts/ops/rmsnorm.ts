// Host side of shaders/rmsnorm.wgsl: RMSNorm forward (saving rstd per row) and its two gradients.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/rmsnorm.wgsl';
import { grid2d } from './grid.js';

const forwardKernel: Kernel = { name: 'rmsnorm', source, entry: 'forward' };
const dxKernel: Kernel = { name: 'rmsnorm', source, entry: 'backward_dx' };
const dwKernel: Kernel = { name: 'rmsnorm', source, entry: 'backward_dw' };
const WG = 64;
const WG_COLS = 16;
/** Qwen2's rms_norm_eps. */
export const RMSNORM_EPS = 1e-6;

function check(op: string, T: number, D: number): void {
  if (!(T > 0 && D > 0)) throw new Error(`${op}: sizes must be positive, got T=${T} D=${D}`);
  if (D % 4) throw new Error(`${op}: D=${D} must be a multiple of 4 (rows are read as vec4s)`);
}

function params(T: number, D: number, eps: number, accumulate: boolean): Uint32Array {
  return new Params(4)
    .u32(T)
    .u32(D / 4)
    .f32(eps)
    .u32(accumulate ? 1 : 0).words;
}

export interface RmsNormArgs {
  /** [T, D] input. */
  x: Binding;
  /** [D] gain. */
  weight: Binding;
  /** [T, D] output (a buffer other than x). */
  y: Binding;
  /** [T] written: 1 / sqrt(mean(x²) + eps) per row, kept for the backward. */
  rstd: Binding;
  T: number;
  D: number;
  /** Default RMSNORM_EPS (1e-6). */
  eps?: number;
}

/** y = x / sqrt(mean(x²) + eps) * weight over each row; saves rstd. */
export function rmsnorm(a: RmsNormArgs): Dispatch {
  check('rmsnorm', a.T, a.D);
  return {
    kernel: forwardKernel,
    buffers: [a.x, a.weight, a.y, a.rstd],
    params: params(a.T, a.D, a.eps ?? RMSNORM_EPS, false),
    workgroups: grid2d(Math.ceil(a.T / WG)),
  };
}

export interface RmsNormBackwardArgs {
  /** The forward's input, gain and saved rstd. */
  x: Binding;
  weight: Binding;
  rstd: Binding;
  /** [T, D] gradient of y. */
  dy: Binding;
  /** [T, D] gradient of x: written, or added to with accumulateDx (e.g. onto the residual stream's gradient). */
  dx?: Binding;
  /** [D] gradient of the gain: written, or added to with accumulateDw (gradient accumulation over micro-batches). */
  dw?: Binding;
  T: number;
  D: number;
  accumulateDx?: boolean;
  accumulateDw?: boolean;
}

/** The dispatches for dx and/or dw (whichever buffers are given). */
export function rmsnormBackward(a: RmsNormBackwardArgs): Dispatch[] {
  check('rmsnormBackward', a.T, a.D);
  const list: Dispatch[] = [];
  if (a.dx) {
    list.push({
      kernel: dxKernel,
      buffers: [a.x, a.weight, a.rstd, a.dy, a.dx],
      params: params(a.T, a.D, 0, !!a.accumulateDx),
      workgroups: grid2d(Math.ceil(a.T / WG)),
    });
  }
  if (a.dw) {
    list.push({
      kernel: dwKernel,
      buffers: [a.x, a.rstd, a.dy, a.dw],
      params: params(a.T, a.D, 0, !!a.accumulateDw),
      workgroups: grid2d(Math.ceil(a.D / 4 / WG_COLS)),
    });
  }
  return list;
}
