// Accuracy of the deterministic exp and log (shaders/detmath.wgsl, through its bit-exact model
// ts/ref/detmath.ts) against float64, over a dense sweep of f32 bit patterns.
import { describe, expect, it } from 'vitest';
import { bitsF32, detExp, detLog, f32Bits } from '../../ts/ref/detmath.js';
import { ulpDistance } from '../../ts/repro/distance.js';

/** Largest ULP distance over every `step`-th f32 in [lo, hi] (same sign), skipping subnormal results. */
function maxUlp(f: (x: number) => number, ref: (x: number) => number, lo: number, hi: number, step: number) {
  let worst = 0;
  for (let b = f32Bits(lo); b <= f32Bits(hi); b += step) {
    const x = bitsF32(b);
    const want = ref(x);
    if (Math.abs(want) < 2 ** -126) continue;
    worst = Math.max(worst, ulpDistance(f(x), want));
  }
  return worst;
}

describe('deterministic exp and log', () => {
  it('det_exp is within 1 ULP of float64 where the result is a normal f32', () => {
    expect(maxUlp(detExp, Math.exp, 0, 88.72, 1021)).toBeLessThanOrEqual(1);
    expect(maxUlp(detExp, Math.exp, -0, -87.33, 1021)).toBeLessThanOrEqual(1);
  });

  it('det_log is within 1 ULP of float64 over the normal f32 range', () => {
    expect(maxUlp(detLog, Math.log, 2 ** -126, 3.4e38, 1021)).toBeLessThanOrEqual(1);
    expect(maxUlp(detLog, Math.log, 0.5, 2, 7)).toBeLessThanOrEqual(1); // near 1: relative accuracy
  });

  it('handles the values the kernels meet at the edges', () => {
    expect([detExp(-Infinity), detExp(-200), detExp(-87.5), detExp(0), detExp(89), detExp(Infinity)]).toEqual([
      0,
      0,
      0,
      1,
      Infinity,
      Infinity,
    ]);
    expect(detExp(NaN)).toBeNaN();
    expect([detLog(0), detLog(-0), detLog(1e-45), detLog(1), detLog(Infinity)]).toEqual([
      -Infinity,
      -Infinity,
      -Infinity,
      0,
      Infinity,
    ]);
    expect(detLog(-1)).toBeNaN();
  });
});
