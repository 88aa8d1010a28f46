import { describe, expect, it } from 'vitest';
import { biasAdd, biasBackward } from '../../ts/ops/bias.js';
import { refBiasAdd, refBiasBackward } from '../../ts/ref/bias.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;

describe(`bias (seed ${seed})`, () => {
  for (const { T, N } of [
    { T: 67, N: 20 },
    { T: 1, N: 4 },
    { T: 300, N: 776 },
  ]) {
    it(`forward in place T=${T} N=${N}`, async () => {
      const g = await testGpu();
      const x = randomArray(T * N, rand),
        b = randomArray(N, rand);
      const xb = g.upload(x);
      await g.run([biasAdd({ x: xb, bias: g.upload(b), T, N })]);
      const got = await g.read(xb, Float32Array);
      const want = refBiasAdd(x, b, T, N);
      // One correctly rounded addition.
      expect(worstRatio(got, want, (i) => U * Math.abs(want[i]) + Number.MIN_VALUE).ratio).toBeLessThanOrEqual(1);
    });

    for (const accumulate of [false, true]) {
      it(`backward T=${T} N=${N}${accumulate ? ' (accumulate)' : ''}`, async () => {
        const g = await testGpu();
        const dy = randomArray(T * N, rand),
          prior = accumulate ? randomArray(N, rand) : undefined;
        const db = prior ? g.upload(prior) : poisoned(g, N);
        await g.run(biasBackward({ dy: g.upload(dy), db, T, N, accumulate }));
        const got = await g.read(db, Float32Array);
        const want = refBiasBackward(dy, T, N, prior);
        const abs = refBiasBackward(dy.map(Math.abs), T, N, prior?.map(Math.abs));
        const r = worstRatio(got, want, (i) => (T + 1) * U * abs[i] + Number.MIN_VALUE);
        expect(r.ratio, `at ${r.at}: got ${got[r.at]} want ${want[r.at]}`).toBeLessThanOrEqual(1);
      });
    }
  }

  it('refuses rows that are not a multiple of 4', () => {
    expect(() => biasAdd({ x: null!, bias: null!, T: 2, N: 6 })).toThrow(/N=6 must be a multiple of 4/);
  });
});
