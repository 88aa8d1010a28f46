// Host side of shaders/adamw.wgsl: fused AdamW (PyTorch's torch.optim.AdamW semantics) over the
// ranges of a flat parameter buffer, one dispatch per run of adjacent ranges that share a decay flag.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/adamw.wgsl';
import { bindingWindows, grid2d } from './grid.js';

const vec4Kernel: Kernel = { name: 'adamw', source, entry: 'adamw_vec4' };
const scalarKernel: Kernel = { name: 'adamw', source, entry: 'adamw_scalar' };
const WG = 256;

/** Hyperparameters of one step; shared with the reference (ts/ref/adamw.ts). */
export interface AdamwHyper {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Decoupled weight decay for ranges with `decay` (torch's weight_decay; 0.1 in SPEC §4). */
  weightDecay: number;
  /** The step being taken, from 1 (torch's state['step'] after its increment): sets the bias corrections. */
  step: number;
}

/** A run of parameters, e.g. a TensorSlot of ts/model/params.ts (which has these three fields). */
export interface ParamRange {
  /** First element, in the flat buffers. */
  offset: number;
  size: number;
  /** Weight decay applies (matrices) or not (norms, biases). */
  decay: boolean;
}

export interface AdamwArgs extends AdamwHyper {
  /** Flat f32 buffers of one layout: updated in place (params, m, v) or read (grads). */
  params: Binding;
  grads: Binding;
  m: Binding;
  v: Binding;
  /** f32 [2] written by gradNorm: [norm, clip factor]; the factor multiplies every gradient. */
  clip: Binding;
  /** Ascending, non-overlapping; elements outside every range are left alone. */
  ranges: ParamRange[];
  /**
   * The adapter's maxStorageBufferBindingSize: ranges are then bound in windows of at most that
   * many bytes, so the flat buffers may be larger than one binding (the 100M model on lavapipe,
   * whose bindings stop at 128 MiB). Needs whole buffers and 64-aligned range offsets.
   */
  maxBindingBytes?: number;
}

function checkHyper(h: AdamwHyper): void {
  const bad: string[] = [];
  if (!(Number.isFinite(h.lr) && h.lr >= 0)) bad.push(`lr ${h.lr} must be finite and >= 0`);
  if (!(h.beta1 >= 0 && h.beta1 < 1)) bad.push(`beta1 ${h.beta1} must be in [0, 1)`);
  if (!(h.beta2 >= 0 && h.beta2 < 1)) bad.push(`beta2 ${h.beta2} must be in [0, 1)`);
  if (!(Number.isFinite(h.eps) && h.eps > 0)) bad.push(`eps ${h.eps} must be finite and > 0`);
  if (!(Number.isFinite(h.weightDecay) && h.weightDecay >= 0))
    bad.push(`weightDecay ${h.weightDecay} must be finite and >= 0`);
  if (!(Number.isInteger(h.step) && h.step >= 1))
    bad.push(`step ${h.step} must be an integer >= 1 (the step being taken)`);
  if (bad.length) throw new Error(`adamw: ${bad.join('; ')}`);
}

/** Adjacent ranges (one ends where the next starts) with the same decay flag, joined. */
export function mergeRanges(ranges: ParamRange[]): ParamRange[] {
  const out: ParamRange[] = [];
  let end = 0;
  for (const r of ranges) {
    if (!(Number.isInteger(r.offset) && Number.isInteger(r.size) && r.offset >= 0 && r.size > 0)) {
      throw new Error(`adamw: range ${JSON.stringify(r)} needs an integer offset >= 0 and size > 0`);
    }
    if (r.offset < end)
      throw new Error(
        `adamw: range at ${r.offset} overlaps or precedes the one ending at ${end}; give ranges ascending`,
      );
    const last = out[out.length - 1];
    if (last && last.decay === r.decay && r.offset === end) last.size += r.size;
    else out.push({ ...r });
    end = r.offset + r.size;
  }
  return out;
}

/** One AdamW step over every range: params, m and v updated in place. */
export function adamw(a: AdamwArgs): Dispatch[] {
  checkHyper(a);
  const { lr, beta1, beta2, step } = a;
  // As torch computes them from Python floats (f64), rounded to f32 by Params.
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const pieces = mergeRanges(a.ranges).flatMap((r) => {
    if (a.maxBindingBytes === undefined)
      return [{ r, buffers: [a.params, a.grads, a.m, a.v, a.clip], offset: r.offset }];
    if (r.offset % 64)
      throw new Error(`adamw: windowed ranges must start at multiples of 64 elements, got ${r.offset}`);
    return bindingWindows(r.size, a.maxBindingBytes).map((w) => {
      const win = (b: Binding) => {
        if ('offset' in b) throw new Error('adamw: windowed bindings need whole buffers');
        return { buffer: b, offset: (r.offset + w.start) * 4, size: w.len * 4 };
      };
      return {
        r: { ...r, size: w.len },
        buffers: [win(a.params), win(a.grads), win(a.m), win(a.v), a.clip],
        offset: 0,
      };
    });
  });
  return pieces.map(({ r, buffers, offset }) => {
    const vec4 = offset % 4 === 0 && r.size % 4 === 0;
    const params = new Params(12)
      .u32(offset)
      .u32(r.size)
      .pad()
      .pad()
      .f32(r.decay ? 1 - lr * a.weightDecay : 1)
      .f32(beta1)
      .f32(beta2)
      .f32(1 - beta1)
      .f32(1 - beta2)
      .f32(a.eps)
      .f32(stepSize)
      .f32(bc2Sqrt).words;
    return {
      kernel: vec4 ? vec4Kernel : scalarKernel,
      buffers,
      params,
      workgroups: grid2d(Math.ceil(r.size / (vec4 ? 4 : 1) / WG)),
    };
  });
}
