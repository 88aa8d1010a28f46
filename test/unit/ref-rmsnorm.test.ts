import { describe, expect, it } from 'vitest';
import { refRmsNorm, refRmsNormBackward } from '../../ts/ref/rmsnorm.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);

describe(`rmsnorm reference (seed ${seed})`, () => {
  const T = 3,
    D = 7;
  for (const eps of [1e-6, 0.3]) {
    it(`backward equals central finite differences of the forward (eps ${eps})`, () => {
      const x = Float64Array.from(randomArray(T * D, rand));
      const w = Float64Array.from(randomArray(D, rand, 0.5, 1.5));
      const r = randomArray(T * D, rand); // loss = Σ r ⊙ y, so dy = r
      const loss = () => refRmsNorm(x, w, T, D, eps).y.reduce((s, v, i) => s + v * r[i], 0);
      const { dx, dw } = refRmsNormBackward(x, w, r, T, D, eps);
      const h = 1e-6;
      const fd = (a: Float64Array, i: number) => centralDifference(loss, a, i, h);
      for (let i = 0; i < T * D; i++)
        expect(Math.abs(fd(x, i) - dx[i]), `dx ${i}`).toBeLessThan(1e-7 * (1 + Math.abs(dx[i])));
      for (let i = 0; i < D; i++)
        expect(Math.abs(fd(w, i) - dw[i]), `dw ${i}`).toBeLessThan(1e-7 * (1 + Math.abs(dw[i])));
    });
  }

  it('forward: each output row has unit root mean square before the gain', () => {
    const x = randomArray(T * D, rand, -3, 3);
    const { y } = refRmsNorm(x, new Float64Array(D).fill(1), T, D, 0);
    for (let t = 0; t < T; t++) {
      const ms = y.subarray(t * D, (t + 1) * D).reduce((s, v) => s + v * v, 0) / D;
      expect(ms).toBeCloseTo(1, 12);
    }
  });

  it('accumulates onto prior gradients', () => {
    const x = randomArray(T * D, rand),
      w = randomArray(D, rand),
      dy = randomArray(T * D, rand);
    const pdx = randomArray(T * D, rand),
      pdw = randomArray(D, rand);
    const fresh = refRmsNormBackward(x, w, dy, T, D, 1e-6);
    const acc = refRmsNormBackward(x, w, dy, T, D, 1e-6, { dx: pdx, dw: pdw });
    acc.dx.forEach((v, i) => expect(v).toBeCloseTo(fresh.dx[i] + pdx[i], 12));
    acc.dw.forEach((v, i) => expect(v).toBeCloseTo(fresh.dw[i] + pdw[i], 12));
  });
});
