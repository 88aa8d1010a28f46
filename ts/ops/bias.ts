// Host side of shaders/bias.wgsl: add a bias over rows in place, and its fixed-order backward.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/bias.wgsl';
import { grid2d } from './grid.js';

const forwardKernel: Kernel = { name: 'bias', source, entry: 'forward' };
const backwardKernel: Kernel = { name: 'bias', source, entry: 'backward' };
const WG_ROWS = 64;
const WG_COLS = 16;

function params(op: string, T: number, N: number, accumulate: boolean): Uint32Array {
  if (!(T > 0 && N > 0)) throw new Error(`${op}: sizes must be positive, got T=${T} N=${N}`);
  if (N % 4) throw new Error(`${op}: N=${N} must be a multiple of 4 (rows are read as vec4s)`);
  return new Params(4)
    .u32(T)
    .u32(N / 4)
    .u32(accumulate ? 1 : 0)
    .pad().words;
}

export interface BiasAddArgs {
  /** [T, N], updated in place. */
  x: Binding;
  /** [N] */
  bias: Binding;
  T: number;
  N: number;
}

/** x[t, :] += bias. */
export function biasAdd(a: BiasAddArgs): Dispatch {
  return {
    kernel: forwardKernel,
    buffers: [a.x, a.bias],
    params: params('biasAdd', a.T, a.N, false),
    workgroups: grid2d(Math.ceil(a.T / WG_ROWS)),
  };
}

export interface BiasBackwardArgs {
  /** [T, N] gradient of the biased output. */
  dy: Binding;
  /** [N] written, or added to with `accumulate`. */
  db: Binding;
  T: number;
  N: number;
  accumulate?: boolean;
}

/** db (+)= Σ_t dy[t, :], summed in ascending t (one dispatch; a list so a split pass can come later). */
export function biasBackward(a: BiasBackwardArgs): Dispatch[] {
  return [
    {
      kernel: backwardKernel,
      buffers: [a.dy, a.db],
      params: params('biasBackward', a.T, a.N, !!a.accumulate),
      workgroups: grid2d(Math.ceil(a.N / 4 / WG_COLS)),
    },
  ];
}
