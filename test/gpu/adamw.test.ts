import { describe, expect, it } from 'vitest';
import { adamw, mergeRanges, type AdamwHyper, type ParamRange } from '../../ts/ops/adamw.js';
import { gradNorm, gradNormPartials } from '../../ts/ops/grad_norm.js';
import { AdamwErrorBound, refAdamwStep, type AdamwState } from '../../ts/ref/adamw.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);

// Contiguous runs that merge (vec4), a range whose size is not a multiple of 4 (scalar entry),
// and gaps that no dispatch may touch.
const ranges: ParamRange[] = [
  { offset: 0, size: 1024, decay: true },
  { offset: 1024, size: 512, decay: true },
  { offset: 1536, size: 256, decay: false },
  { offset: 1792, size: 333, decay: true },
  { offset: 2176, size: 64, decay: false },
  { offset: 2240, size: 2001, decay: true },
  { offset: 4288, size: 1700, decay: false },
];
const n = 6000;

describe(`adamw (seed ${seed})`, () => {
  it('merges adjacent ranges that share a decay flag, and refuses overlapping ones', () => {
    expect(mergeRanges(ranges).map((r) => [r.offset, r.size, r.decay])).toEqual([
      [0, 1536, true],
      [1536, 256, false],
      [1792, 333, true],
      [2176, 64, false],
      [2240, 2001, true],
      [4288, 1700, false],
    ]);
    expect(() =>
      mergeRanges([
        { offset: 10, size: 5, decay: true },
        { offset: 12, size: 5, decay: true },
      ]),
    ).toThrow(/overlaps/);
    expect(() => mergeRanges([{ offset: 0, size: 0, decay: true }])).toThrow(/size > 0/);
  });

  it('refuses bad hyperparameters by name', () => {
    const b = null! as GPUBuffer;
    const base = {
      params: b,
      grads: b,
      m: b,
      v: b,
      clip: b,
      ranges,
      lr: 1e-3,
      beta1: 0.9,
      beta2: 0.95,
      eps: 1e-8,
      weightDecay: 0.1,
      step: 1,
    };
    expect(() => adamw({ ...base, step: 0 })).toThrow(/step 0 must be an integer >= 1/);
    expect(() => adamw({ ...base, beta2: 1 })).toThrow(/beta2 1 must be in \[0, 1\)/);
  });

  it('steps with gradient clipping from the GPU norm match the f64 reference; gaps untouched', async () => {
    const g = await testGpu();
    const p0 = randomArray(n, rand, -2, 2);
    // Moments start nonzero, as mid-run; gap elements of every buffer hold values that must survive.
    const m0 = randomArray(n, rand, -0.1, 0.1);
    const v0 = randomArray(n, rand, 0, 0.01);
    const params = g.upload(p0),
      m = g.upload(m0),
      v = g.upload(v0);
    const grads = g.buffer(n * 4),
      stats = g.buffer(8),
      partials = g.buffer(gradNormPartials(n) * 4);
    const s: AdamwState = { params: Float64Array.from(p0), m: Float64Array.from(m0), v: Float64Array.from(v0) };
    const bound = new AdamwErrorBound(s);
    const factors: number[] = [];
    for (let step = 1; step <= 4; step++) {
      // Every other step's gradients are small enough that the clip (max norm 20) is off.
      const gr = randomArray(n, rand, -1, 1).map((x) => (step % 2 ? x : 0.1 * x));
      g.write(grads, gr);
      const h: AdamwHyper = { lr: 0.05 / step, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step };
      await g.run([
        ...gradNorm({ grads, n, partials, stats, maxNorm: 20 }),
        ...adamw({ ...h, params, grads, m, v, clip: stats, ranges }),
      ]);
      // The reference uses the factor the GPU computed (checked in grad_norm.test.ts).
      const [, factor] = await g.read(stats, Float32Array, 2);
      factors.push(factor);
      refAdamwStep(s, gr, ranges, h, factor);
      bound.step(s, gr, ranges, h, factor);
    }
    expect(factors.map((f) => f < 1)).toEqual([true, false, true, false]);
    const got = {
      params: await g.read(params, Float32Array),
      m: await g.read(m, Float32Array),
      v: await g.read(v, Float32Array),
    };
    for (const [what, want, tol] of [
      ['params', s.params, bound.p],
      ['m', s.m, bound.m],
      ['v', s.v, bound.v],
    ] as const) {
      const r = worstRatio(got[what], want, (i) => 2 * tol[i] + 1e-30);
      expect(r.ratio, `seed ${seed} ${what}[${r.at}]: got ${got[what][r.at]} want ${want[r.at]}`).toBeLessThanOrEqual(
        1,
      );
    }
    for (const gap of [1792 + 333, 2176 - 1, 2240 + 2001, n - 1]) {
      expect([got.params[gap], got.m[gap], got.v[gap]]).toEqual([p0[gap], m0[gap], v0[gap]]);
    }
  });
});
