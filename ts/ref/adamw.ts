// Plain reference of shaders/adamw.wgsl and shaders/grad_norm.wgsl (f64), for tests; checked
// against torch.optim.AdamW and clip_grad_norm_ by test/unit/ref-adamw.test.ts.
import type { AdamwHyper, ParamRange } from '../ops/adamw.js';

export interface AdamwState {
  params: Float64Array;
  m: Float64Array;
  v: Float64Array;
}

/** ||g||₂ and the clip factor min(1, maxNorm / (||g||₂ + 1e-6)) (1 when maxNorm is 0: no clipping). */
export function refGradNorm(grads: ArrayLike<number>, maxNorm: number): { norm: number; factor: number } {
  let s = 0;
  for (let i = 0; i < grads.length; i++) s += grads[i] * grads[i];
  const norm = Math.sqrt(s);
  return { norm, factor: maxNorm > 0 ? Math.min(1, maxNorm / (norm + 1e-6)) : 1 };
}

/** One AdamW step in place over `ranges`, gradients scaled by `clipFactor` first (torch's order). */
export function refAdamwStep(
  s: AdamwState,
  grads: ArrayLike<number>,
  ranges: ParamRange[],
  h: AdamwHyper,
  clipFactor: number,
): void {
  const bc1 = 1 - h.beta1 ** h.step;
  const bc2 = 1 - h.beta2 ** h.step;
  for (const r of ranges) {
    const decay = r.decay ? 1 - h.lr * h.weightDecay : 1;
    for (let i = r.offset; i < r.offset + r.size; i++) {
      const g = grads[i] * clipFactor;
      s.m[i] = h.beta1 * s.m[i] + (1 - h.beta1) * g;
      s.v[i] = h.beta2 * s.v[i] + (1 - h.beta2) * g * g;
      const mHat = s.m[i] / bc1;
      const vHat = s.v[i] / bc2;
      s.params[i] = s.params[i] * decay - h.lr * (mHat / (Math.sqrt(vHat) + h.eps));
    }
  }
}

const U = 2 ** -24; // f32 unit roundoff

/**
 * Per-element error allowance of an f32 implementation of the same steps (first order, doubled by
 * the caller if it wants margin), tracked beside the reference: call `step` after each
 * refAdamwStep with the same arguments. Each f32 operation adds a few u of its result; the error
 * of m reaches the update divided by sqrt(v̂) + eps, the relative error of v halved through the
 * sqrt. `clipRel` is the relative error allowed in the clip factor the implementation used.
 */
export class AdamwErrorBound {
  readonly p: Float64Array;
  readonly m: Float64Array;
  readonly v: Float64Array;
  private readonly mAbs: Float64Array;
  /** `init`: the state the steps start from (exact: no error yet). */
  constructor(
    init: AdamwState,
    private readonly clipRel = 0,
  ) {
    const n = init.params.length;
    this.p = new Float64Array(n);
    this.m = new Float64Array(n);
    this.v = new Float64Array(n);
    this.mAbs = init.m.map(Math.abs);
  }

  step(s: AdamwState, grads: ArrayLike<number>, ranges: ParamRange[], h: AdamwHyper, clipFactor: number): void {
    const bc1 = 1 - h.beta1 ** h.step;
    const bc2 = 1 - h.beta2 ** h.step;
    const c = this.clipRel;
    for (const r of ranges) {
      const decay = r.decay ? 1 - h.lr * h.weightDecay : 1;
      for (let i = r.offset; i < r.offset + r.size; i++) {
        const g = Math.abs(grads[i] * clipFactor);
        this.mAbs[i] = h.beta1 * this.mAbs[i] + (1 - h.beta1) * g;
        this.m[i] = h.beta1 * this.m[i] + 4 * U * this.mAbs[i] + c * (1 - h.beta1) * g;
        this.v[i] = h.beta2 * this.v[i] + 4 * U * s.v[i] + 2 * c * (1 - h.beta2) * g * g;
        const vHat = s.v[i] / bc2;
        const den = Math.sqrt(vHat) + h.eps;
        const ratio = Math.abs(s.m[i] / bc1 / den);
        const vRel = vHat > 0 ? ((0.5 * this.v[i]) / s.v[i]) * (Math.sqrt(vHat) / den) : 0;
        const dRatio = this.m[i] / bc1 / den + ratio * (vRel + 8 * U);
        this.p[i] = this.p[i] * decay + 4 * U * Math.abs(s.params[i]) + h.lr * (4 * U * ratio + dRatio);
      }
    }
  }
}
