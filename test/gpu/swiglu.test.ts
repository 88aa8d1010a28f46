import { describe, expect, it } from 'vitest';
import { swiglu, swigluBackward } from '../../ts/ops/swiglu.js';
import { refSwiglu, refSwigluBackward } from '../../ts/ref/swiglu.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const ULP = 2 ** -23; // relative size of one f32 ULP, at most
const TINY = 1e-30; // flushed denormals (sigmoid of very negative g)

// WGSL's exp is accurate to 3 + 2|x| ULP and division to 2.5 ULP: sigmoid's relative error.
const sigmoidError = (g: number) => (3 + 2 * Math.abs(g) + 4) * ULP;

describe(`swiglu (seed ${seed})`, () => {
  for (const n of [4, 1036, 64 * 16 * 3 + 20]) {
    it(`forward and backward n=${n}`, async () => {
      const g = await testGpu();
      const gate = randomArray(n, rand, -6, 6),
        up = randomArray(n, rand),
        dh = randomArray(n, rand);
      // A few extremes: exp(-g) overflows, or sigmoid saturates.
      for (const [i, v] of [
        [0, -100],
        [n - 1, 100],
        [n >> 1, -87.5],
      ] as const)
        gate[i] = v;
      const gb = g.upload(gate),
        ub = g.upload(up);
      const h = poisoned(g, n),
        dgate = poisoned(g, n),
        dup = poisoned(g, n);
      await g.run([
        swiglu({ gate: gb, up: ub, h, n }),
        swigluBackward({ gate: gb, up: ub, dh: g.upload(dh), dgate, dup, n }),
      ]);
      const want = refSwiglu(gate, up);
      const grads = refSwigluBackward(gate, up, dh);
      const tolH = (i: number) => (sigmoidError(gate[i]) + 3 * ULP) * Math.abs(want[i]) + TINY;
      const tolDgate = (i: number) => {
        const x = gate[i],
          s = 1 / (1 + Math.exp(-x)),
          e = sigmoidError(x);
        // dh·up·s·(1 + x(1 - s)): the bracket may cancel, so bound each part absolutely.
        return Math.abs(dh[i] * up[i]) * s * ((e + 6 * ULP) * (1 + Math.abs(x) * (1 - s)) + Math.abs(x) * e * s) + TINY;
      };
      for (const [name, got, ref, tol] of [
        ['h', await g.read(h, Float32Array), want, tolH],
        [
          'dup',
          await g.read(dup, Float32Array),
          grads.dup,
          (i: number) => (sigmoidError(gate[i]) + 3 * ULP) * Math.abs(grads.dup[i]) + TINY,
        ],
        ['dgate', await g.read(dgate, Float32Array), grads.dgate, tolDgate],
      ] as const) {
        const r = worstRatio(got, ref, tol);
        expect(
          r.ratio,
          `${name} at ${r.at} (gate ${gate[r.at]}): got ${got[r.at]} want ${ref[r.at]}`,
        ).toBeLessThanOrEqual(1);
      }
    });
  }

  it('refuses a count that is not a multiple of 4', () => {
    expect(() => swiglu({ gate: null!, up: null!, h: null!, n: 10 })).toThrow(/n=10 values must be a multiple of 4/);
  });
});
