// Host side of shaders/cast.wgsl: f32 values written as f16 (the operands of matmul's f16 option).
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/cast.wgsl';
import { grid2d } from './grid.js';

const toF16: Kernel = { name: 'cast', source, entry: 'to_f16' };
const WG = 256;

/** y[i] = f16(x[i]) for i < n (rounded to nearest even; x within f16's range). y holds 2n bytes (rounded up to 4). */
export function castF16(a: { x: Binding; y: Binding; n: number }): Dispatch {
  if (!(a.n > 0)) throw new Error(`castF16: n must be positive, got ${a.n}`);
  return {
    kernel: toF16,
    buffers: [a.x, a.y],
    params: new Params(4).u32(a.n).pad().pad().pad().words,
    workgroups: grid2d(Math.ceil(a.n / WG)),
  };
}
