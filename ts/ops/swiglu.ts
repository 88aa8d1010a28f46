// Host side of shaders/swiglu.wgsl: h = silu(gate) · up and its backward, gate and up as separate
// [T, F] tensors (HF's gate_proj and up_proj outputs).
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import body from '../../shaders/swiglu.wgsl';
import { grid2d } from './grid.js';

const source = withDetMath(body);

const forwardKernel: Kernel = { name: 'swiglu', source, entry: 'forward' };
const backwardKernel: Kernel = { name: 'swiglu', source, entry: 'backward' };
const VALUES_PER_INVOCATION = 16; // 4 vec4s
const WG = 64;

function shape(op: string, n: number): { params: Uint32Array; workgroups: Dispatch['workgroups'] } {
  if (!(n > 0 && Number.isInteger(n))) throw new Error(`${op}: n must be a positive integer, got ${n}`);
  if (n % 4) throw new Error(`${op}: n=${n} values must be a multiple of 4 (read as vec4s)`);
  return { params: new Params(1).u32(n / 4).words, workgroups: grid2d(Math.ceil(n / VALUES_PER_INVOCATION / WG)) };
}

export interface SwigluArgs {
  /** [n] = [T, F] outputs of gate_proj and up_proj. */
  gate: Binding;
  up: Binding;
  /** [n] output, a buffer other than gate and up. */
  h: Binding;
  /** T·F, a multiple of 4. */
  n: number;
}

/** h = silu(gate) · up. */
export function swiglu(a: SwigluArgs): Dispatch {
  return { kernel: forwardKernel, buffers: [a.gate, a.up, a.h], ...shape('swiglu', a.n) };
}

export interface SwigluBackwardArgs {
  /** The forward's inputs. */
  gate: Binding;
  up: Binding;
  /** [n] gradient of h. */
  dh: Binding;
  /** [n] gradients written (buffers other than the inputs). */
  dgate: Binding;
  dup: Binding;
  n: number;
}

/** dgate = dh · up · silu'(gate), dup = dh · silu(gate). */
export function swigluBackward(a: SwigluBackwardArgs): Dispatch {
  return { kernel: backwardKernel, buffers: [a.gate, a.up, a.dh, a.dgate, a.dup], ...shape('swigluBackward', a.n) };
}
