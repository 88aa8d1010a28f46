// Host side of shaders/elementwise.wgsl.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/elementwise.wgsl';
import { grid2d } from './grid.js';

const binaryKernel: Kernel = { name: 'elementwise', source, entry: 'binary' };
const fillKernel: Kernel = { name: 'elementwise', source, entry: 'fill' };
const WG = 256;

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'axpby';
const BINARY: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3, axpby: 4 };

function params(n: number, alpha: number, beta: number): Uint32Array {
  return new Params(4).u32(n).f32(alpha).f32(beta).pad().words;
}

/** c = a op b over n elements; 'axpby' is c = alpha * a + beta * b. */
export function binary(op: BinaryOp, a: Binding, b: Binding, c: Binding, n: number, alpha = 1, beta = 1): Dispatch {
  return {
    kernel: binaryKernel,
    constants: { OP: BINARY[op] },
    buffers: [a, b, c],
    params: params(n, alpha, beta),
    workgroups: grid2d(Math.ceil(n / WG)),
  };
}

/** out = value over n elements. */
export function fill(out: Binding, n: number, value: number): Dispatch {
  return { kernel: fillKernel, buffers: [out], params: params(n, value, 0), workgroups: grid2d(Math.ceil(n / WG)) };
}
