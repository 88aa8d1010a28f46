// Host side of shaders/grad_norm.wgsl: the global L2 norm of a flat gradient buffer and the clip
// factor of torch.nn.utils.clip_grad_norm_, left on the GPU for adamw (and readable for logging).
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/grad_norm.wgsl';
import { CHUNK, reduceAll, reduceAllWindowed } from './reduce.js';

const kernel: Kernel = { name: 'grad_norm', source, entry: 'finish' };

export interface GradNormArgs {
  /** Flat f32 gradients (alignment gaps between tensors must hold zeros). */
  grads: Binding;
  n: number;
  /** Scratch of gradNormPartials(n) floats. */
  partials: GPUBuffer;
  /** f32 [2] out: [||g||₂, clip factor]; adamw's `clip`. */
  stats: GPUBuffer;
  /** Clip to this norm; 0 turns clipping off (factor 1; the norm is still computed). */
  maxNorm: number;
  /** The adapter's maxStorageBufferBindingSize, for gradients larger than one binding (whole buffer needed). */
  maxBindingBytes?: number;
}

/** Floats of scratch that gradNorm needs for n gradients. */
export function gradNormPartials(n: number): number {
  return Math.ceil(n / CHUNK);
}

/** Σ g² in a fixed order (bit-identical run to run), then the norm and the clip factor. */
export function gradNorm(a: GradNormArgs): Dispatch[] {
  if (!(Number.isInteger(a.n) && a.n > 0)) throw new Error(`gradNorm: n ${a.n} must be a positive integer`);
  if (!(Number.isFinite(a.maxNorm) && a.maxNorm >= 0))
    throw new Error(`gradNorm: maxNorm ${a.maxNorm} must be finite and >= 0 (0: no clipping)`);
  if (a.partials.size < gradNormPartials(a.n) * 4)
    throw new Error(`gradNorm: partials holds ${a.partials.size / 4} floats, needs ${gradNormPartials(a.n)}`);
  if (a.stats.size < 8) throw new Error(`gradNorm: stats must hold 2 floats (norm, clip factor)`);
  return [
    ...(a.maxBindingBytes !== undefined && a.n * 4 > a.maxBindingBytes
      ? reduceAllWindowed('sumsq', a.grads as GPUBuffer, a.partials, a.stats, a.n, a.maxBindingBytes)
      : reduceAll('sumsq', a.grads, a.partials, a.stats, a.n)),
    {
      kernel,
      buffers: [a.stats],
      params: new Params(2).f32(a.maxNorm).u32(a.maxNorm > 0 ? 1 : 0).words,
      workgroups: [1],
    },
  ];
}
