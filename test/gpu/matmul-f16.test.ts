// matmul's f16 option (A and B stored as f16 by castF16, sums and C in f32) against the f64
// reference on the f32 inputs, at a tolerance for rounding each input to f16 plus f32 summation.
// Runs where the adapter has shader-f16 (lavapipe does, SwiftShader does not).
import { describe, expect, it } from 'vitest';
import { castF16 } from '../../ts/ops/cast.js';
import { matmul, type MatmulShape, type MatmulVariant } from '../../ts/ops/matmul.js';
import { refMatmul } from '../../ts/ref/matmul.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff
const H = 2 ** -11; // f16 unit roundoff
const g = await testGpu();

async function check(s: MatmulShape, variant?: MatmulVariant) {
  const batch = s.batch ?? 1;
  const a = randomArray(s.M * s.K * batch, rand),
    b = randomArray(s.K * s.N * batch, rand);
  const prior = s.beta ? randomArray(s.M * s.N * batch, rand) : undefined;
  const half = (x: Float32Array) => {
    const y = g.buffer(2 * x.length, 'f16 operand');
    return { y, d: castF16({ x: g.upload(x), y, n: x.length }) };
  };
  const [ha, hb] = [half(a), half(b)];
  const c = prior ? g.upload(prior) : poisoned(g, s.M * s.N * batch);
  const strides = { strideA: s.M * s.K, strideB: s.K * s.N, strideC: s.M * s.N };
  await g.run([ha.d, hb.d, matmul({ ...s, ...strides, a: ha.y, b: hb.y, c, f16: true, variant })]);
  const got = await g.read(c, Float32Array);
  const want = refMatmul({ ...s, ...strides, a, b, c: prior });
  const abs = refMatmul({ ...s, ...strides, a: a.map(Math.abs), b: b.map(Math.abs), alpha: Math.abs(s.alpha ?? 1) });
  // Each product a16·b16 is within (2H + H²)|ab| of a·b (values below f16's normal range, 2^-14,
  // are off by at most 2^-25 each: K·2^-24 covers them), then f32's summation and epilogue bound.
  const tol = (i: number) =>
    (2 * H + H * H + 2 * (s.K + 2) * U) * abs[i] + s.K * 2 ** -24 + (prior ? 2 * U * Math.abs(prior[i]) : 0);
  const { ratio, at } = worstRatio(got, want, tol);
  expect(
    ratio,
    `seed ${seed} ${JSON.stringify(s)}: element ${at}: got ${got[at]} want ${want[at]}`,
  ).toBeLessThanOrEqual(1);
}

const why = g.hasF16 ? '' : `: skipped, ${g.adapterName} lacks shader-f16`;
describe.skipIf(!g.hasF16)(`matmul f16 operands (seed ${seed}${why})`, () => {
  it('every layout, ragged sizes', async () => {
    for (const transA of [false, true])
      for (const transB of [false, true]) await check({ M: 70, N: 45, K: 37, transA, transB });
  });
  it('every tile, batches, alpha and beta', async () => {
    await check({ M: 33, N: 130, K: 20, batch: 2 }, 'tiled32');
    await check({ M: 129, N: 20, K: 70, alpha: 0.5, beta: 1, transB: true }, 'tiled128');
  });
});
