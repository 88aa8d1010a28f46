import { describe, expect, it } from 'vitest';
import { rmsnorm, rmsnormBackward } from '../../ts/ops/rmsnorm.js';
import { refRmsNorm, refRmsNormBackward } from '../../ts/ref/rmsnorm.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff

// Rows of very different scale (1e-3 .. 10), so eps matters for some of them.
function randomRows(T: number, D: number): Float32Array {
  const x = randomArray(T * D, rand);
  for (let t = 0; t < T; t++) {
    const s = 10 ** (-3 + 4 * rand());
    for (let d = 0; d < D; d++) x[t * D + d] *= s;
  }
  return x;
}

describe(`rmsnorm (seed ${seed})`, () => {
  const cases = [
    { T: 37, D: 52, eps: 1e-6 },
    { T: 1, D: 4, eps: 1e-6 },
    { T: 130, D: 768, eps: 1e-6 },
    { T: 67, D: 20, eps: 0.1 },
  ];
  for (const { T, D, eps } of cases) {
    for (const accumulate of [false, true]) {
      it(`forward and backward T=${T} D=${D} eps=${eps}${accumulate ? ' (accumulate)' : ''}`, async () => {
        const g = await testGpu();
        const x = randomRows(T, D),
          w = randomArray(D, rand, 0.5, 1.5),
          dy = randomArray(T * D, rand);
        const xb = g.upload(x),
          wb = g.upload(w);
        const y = poisoned(g, T * D),
          rstd = poisoned(g, T);
        await g.run([rmsnorm({ x: xb, weight: wb, y, rstd, T, D, eps })]);
        const want = refRmsNorm(x, w, T, D, eps);

        // rstd: the sum of squares of D terms (in 4 lanes) then inverseSqrt (2 ULP): relative (D/8 + 8)u.
        const rho = (D / 8 + 8) * U;
        const gotR = await g.read(rstd, Float32Array);
        expect(worstRatio(gotR, want.rstd, (i) => rho * want.rstd[i]).ratio, 'rstd').toBeLessThanOrEqual(1);
        const gotY = await g.read(y, Float32Array);
        expect(
          worstRatio(gotY, want.y, (i) => (rho + 3 * U) * Math.abs(want.y[i]) + Number.MIN_VALUE).ratio,
          'y',
        ).toBeLessThanOrEqual(1);

        // Backward from the forward's saved rstd.
        const pdx = accumulate ? randomArray(T * D, rand) : undefined;
        const pdw = accumulate ? randomArray(D, rand) : undefined;
        const dx = pdx ? g.upload(pdx) : poisoned(g, T * D),
          dw = pdw ? g.upload(pdw) : poisoned(g, D);
        await g.run(
          rmsnormBackward({
            x: xb,
            weight: wb,
            rstd,
            dy: g.upload(dy),
            dx,
            dw,
            T,
            D,
            accumulateDx: accumulate,
            accumulateDw: accumulate,
          }),
        );
        const ref = refRmsNormBackward(x, w, dy, T, D, eps, { dx: pdx, dw: pdw });
        // Bounds: dx = r·dy·w - x·r³·dot/D, dot a D-term sum; dw a T-term sum of dy·x·r.
        const abs = refRmsNormBackward(x.map(Math.abs), w.map(Math.abs), dy.map(Math.abs), T, D, eps);
        const tolDx = (i: number) => {
          const t = Math.floor(i / D),
            r = want.rstd[t];
          let dotAbs = 0;
          for (let d = 0; d < D; d++) dotAbs += Math.abs(dy[t * D + d] * w[d] * x[t * D + d]);
          const first = (rho + 4 * U) * Math.abs(r * dy[i] * w[i % D]);
          const second = (3 * rho + (D / 4 + 10) * U) * ((Math.abs(x[i]) * r ** 3) / D) * dotAbs;
          return first + second + (pdx ? 2 * U * Math.abs(ref.dx[i]) + U * Math.abs(pdx[i]) : 0) + Number.MIN_VALUE;
        };
        const gotDx = await g.read(dx, Float32Array);
        const rdx = worstRatio(gotDx, ref.dx, tolDx);
        expect(rdx.ratio, `dx ${rdx.at}: got ${gotDx[rdx.at]} want ${ref.dx[rdx.at]}`).toBeLessThanOrEqual(1);
        const tolDw = (i: number) =>
          ((T + 4) * U + rho) * abs.dw[i] + (pdw ? (T + 4) * U * Math.abs(pdw[i]) : 0) + Number.MIN_VALUE;
        const gotDw = await g.read(dw, Float32Array);
        const rdw = worstRatio(gotDw, ref.dw, tolDw);
        expect(rdw.ratio, `dw ${rdw.at}: got ${gotDw[rdw.at]} want ${ref.dw[rdw.at]}`).toBeLessThanOrEqual(1);
      });
    }
  }

  it('dx alone, dw alone', async () => {
    const g = await testGpu();
    const T = 5,
      D = 8;
    const args = {
      x: g.upload(randomArray(T * D, rand)),
      weight: g.upload(randomArray(D, rand)),
      rstd: g.upload(randomArray(T, rand)),
      dy: g.upload(randomArray(T * D, rand)),
      T,
      D,
    };
    expect(rmsnormBackward({ ...args, dx: poisoned(g, T * D) }).map((d) => d.kernel.entry)).toEqual(['backward_dx']);
    expect(rmsnormBackward({ ...args, dw: poisoned(g, D) }).map((d) => d.kernel.entry)).toEqual(['backward_dw']);
  });

  it('refuses rows that are not a multiple of 4', () => {
    expect(() => rmsnorm({ x: null!, weight: null!, y: null!, rstd: null!, T: 2, D: 6 })).toThrow(
      /D=6 must be a multiple of 4/,
    );
  });
});
