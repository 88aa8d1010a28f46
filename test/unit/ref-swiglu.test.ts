import { describe, expect, it } from 'vitest';
import { refSwiglu, refSwigluBackward } from '../../ts/ref/swiglu.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);

describe(`swiglu reference (seed ${seed})`, () => {
  it('backward equals central finite differences of the forward (f64)', () => {
    const n = 40;
    const gate = Float64Array.from(randomArray(n, rand, -8, 8)),
      up = Float64Array.from(randomArray(n, rand, -2, 2));
    const r = randomArray(n, rand); // loss = Σ r ⊙ h
    const loss = () => refSwiglu(gate, up).reduce((s, v, i) => s + v * r[i], 0);
    const { dgate, dup } = refSwigluBackward(gate, up, r);
    const h = 1e-6;
    const fd = (a: Float64Array, i: number) => centralDifference(loss, a, i, h);
    for (let i = 0; i < n; i++) {
      expect(Math.abs(fd(gate, i) - dgate[i]), `dgate ${i}`).toBeLessThan(1e-8);
      expect(Math.abs(fd(up, i) - dup[i]), `dup ${i}`).toBeLessThan(1e-8);
    }
  });

  it('silu: 0 at 0, ~g for large g, ~0 for very negative g', () => {
    const h = refSwiglu([0, 30, -30, 1], [1, 1, 1, 2]);
    expect(h[0]).toBe(0);
    expect(h[1]).toBeCloseTo(30, 10);
    expect(Math.abs(h[2])).toBeLessThan(1e-11);
    expect(h[3]).toBeCloseTo(2 / (1 + Math.exp(-1)), 14);
  });
});
