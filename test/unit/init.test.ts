// Parameter initialisation (ts/model/params.ts): the normal numbers' statistics, the weights' scale,
// and that the bits depend on no engine-approximated Math function.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { gaussian, initParams, paramLayout } from '../../ts/model/params.js';
import { testSeed } from '../util/random.js';

const seed = testSeed();

/** Mean, variance and the shares within 1, 2 and 3 of zero of `n` draws. */
function stats(draw: () => number, n: number) {
  let sum = 0,
    sq = 0;
  const within = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sq += x * x;
    for (let k = 0; k < 3; k++) if (Math.abs(x) < k + 1) within[k]++;
  }
  const mean = sum / n;
  return { mean, variance: sq / n - mean * mean, within: within.map((w) => w / n) };
}

describe(`parameter initialisation (seed ${seed})`, () => {
  afterEach(() => vi.restoreAllMocks());

  it('draws standard normal numbers: mean 0, variance 1, and the normal shares within 1, 2, 3', () => {
    const n = 1_000_000;
    const s = stats(gaussian(seed), n);
    // Bounds ~5 standard errors: a false failure is a ~1e-6 event.
    expect(Math.abs(s.mean)).toBeLessThan(5 / Math.sqrt(n));
    expect(Math.abs(s.variance - 1)).toBeLessThan(5 * Math.sqrt(2 / n));
    // P(|Z| < k) = erf(k / sqrt 2).
    [0.6826894921370859, 0.9544997361036416, 0.9973002039367398].forEach((p, k) =>
      expect(Math.abs(s.within[k] - p), `within ${k + 1}`).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n)),
    );
  });

  it('gives weights N(0, initializer_range), norms 1 and biases 0', () => {
    const c = preset('tiny', 2000),
      layout = paramLayout(c);
    const p = initParams(c, layout, seed);
    for (const slot of layout.slots) {
      const v = p.subarray(slot.offset, slot.offset + slot.size);
      if (slot.name.endsWith('norm.weight')) expect(v.every((x) => x === 1)).toBe(true);
      else if (slot.name.endsWith('.bias')) expect(v.every((x) => x === 0)).toBe(true);
      else {
        let i = 0;
        const s = stats(() => v[i++] / c.initializer_range, v.length);
        expect(Math.abs(s.mean), slot.name).toBeLessThan(5 / Math.sqrt(v.length));
        expect(Math.abs(s.variance - 1), slot.name).toBeLessThan(5 * Math.sqrt(2 / v.length));
      }
    }
  });

  it('is a function of the seed alone: the same bits with other Math.log, Math.sin, Math.cos', () => {
    const c = preset('tiny', 500),
      layout = paramLayout(c);
    const a = initParams(c, layout, seed);
    expect(Buffer.from(initParams(c, layout, seed + 1).buffer).equals(Buffer.from(a.buffer))).toBe(false);
    // Another engine may round these differently; here they are made grossly wrong.
    const { log, sin, cos } = Math;
    vi.spyOn(Math, 'log').mockImplementation((x) => log(x) * 1.001);
    vi.spyOn(Math, 'sin').mockImplementation((x) => sin(x) * 1.001);
    vi.spyOn(Math, 'cos').mockImplementation((x) => cos(x) * 1.001);
    expect(Buffer.from(initParams(c, layout, seed).buffer).equals(Buffer.from(a.buffer))).toBe(true);
  });
});
