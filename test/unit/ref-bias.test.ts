import { describe, expect, it } from 'vitest';
import { refBiasAdd, refBiasBackward } from '../../ts/ref/bias.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);

describe(`bias reference (seed ${seed})`, () => {
  const T = 5,
    N = 6;
  it('backward equals central finite differences of the forward (f64), for the bias and the input', () => {
    const x = Float64Array.from(randomArray(T * N, rand)),
      b = Float64Array.from(randomArray(N, rand));
    const r = randomArray(T * N, rand); // loss = Σ r ⊙ y
    const loss = () => refBiasAdd(x, b, T, N).reduce((s, v, i) => s + v * r[i], 0);
    const db = refBiasBackward(r, T, N);
    const h = 1e-6;
    const fd = (a: Float64Array, i: number) => centralDifference(loss, a, i, h);
    for (let i = 0; i < N; i++) expect(Math.abs(fd(b, i) - db[i]), `db ${i}`).toBeLessThan(1e-8);
    // The input's gradient passes through unchanged (dx = dy): nothing for a kernel to do.
    for (let i = 0; i < T * N; i++) expect(Math.abs(fd(x, i) - r[i]), `dx ${i}`).toBeLessThan(1e-8);
  });

  it('accumulates onto a prior gradient', () => {
    const dy = randomArray(T * N, rand),
      prior = randomArray(N, rand);
    const fresh = refBiasBackward(dy, T, N);
    refBiasBackward(dy, T, N, prior).forEach((v, i) => expect(v).toBeCloseTo(fresh[i] + prior[i], 12));
  });
});
