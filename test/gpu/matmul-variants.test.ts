// Every matmul variant (ts/ops/matmul_tiled.ts) gives the same bits as the lavapipe kernel on the
// same adapter, for every layout, ragged sizes (not multiples of any tile, vec4 and scalar sizes),
// batches, alpha/beta and the gradient products: fresh random inputs, outputs poisoned with NaN.
// Agreement with ts/ref is test/gpu/matmul.test.ts's job (on the lavapipe kernel).
import { describe, expect, it } from 'vitest';
import {
  MATMUL_VARIANTS,
  matmul,
  matmulGrads,
  type MatmulArgs,
  type MatmulShape,
  type MatmulVariant,
} from '../../ts/ops/matmul.js';
import { TILES, tileRefusal } from '../../ts/ops/matmul_tiled.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { bitIdentical, firstDiff, poisoned, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const tiled = MATMUL_VARIANTS.filter((v) => v !== 'lavapipe');

/** C from the variant, beside C from the lavapipe kernel, on the same fresh inputs. */
async function both(s: MatmulShape, variant: MatmulVariant): Promise<[Float32Array, Float32Array]> {
  const g = await testGpu();
  const batch = s.batch ?? 1;
  const sA = s.M * s.K,
    sB = s.K * s.N,
    sC = s.M * s.N;
  const a = g.upload(randomArray(sA * batch, rand)),
    b = g.upload(randomArray(sB * batch, rand));
  const prior = s.beta ? randomArray(sC * batch, rand) : undefined;
  const out = (v: MatmulVariant) => {
    const c = prior ? g.upload(prior) : poisoned(g, sC * batch);
    const args: MatmulArgs = { ...s, a, b, c, strideA: sA, strideB: sB, strideC: sC, variant: v };
    return { c, d: matmul(args) };
  };
  const ref = out('lavapipe'),
    got = out(variant);
  await g.run([ref.d, got.d]);
  return [await g.read(got.c, Float32Array), await g.read(ref.c, Float32Array)];
}

describe(`matmul variants are bit-identical to the lavapipe kernel (seed ${seed})`, () => {
  const sizes = [
    { M: 133, N: 68, K: 76 }, // lavapipe: vec4 entry
    { M: 130, N: 135, K: 37 }, // scalar entry
    { M: 1, N: 3, K: 1 },
  ];
  for (const variant of tiled) {
    it(`${variant}: every layout, ragged sizes`, async () => {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          for (const s of sizes) {
            const [got, want] = await both({ ...s, transA, transB }, variant);
            const what = `${JSON.stringify({ ...s, transA, transB })}: first difference ${firstDiff(got, want)}`;
            expect(got.some(Number.isNaN), what).toBe(false);
            expect(bitIdentical(got, want), what).toBe(true);
          }
        }
      }
    });
    it(`${variant}: batches, alpha and beta`, async () => {
      for (const s of [
        { M: 36, N: 20, K: 24, batch: 3, transB: true },
        { M: 13, N: 21, K: 23, batch: 2, alpha: 0.5, beta: 1 },
        { M: 40, N: 44, K: 52, alpha: -2, beta: 0.25, transA: true },
      ]) {
        const [got, want] = await both(s, variant);
        expect(bitIdentical(got, want), `${JSON.stringify(s)}: first difference ${firstDiff(got, want)}`).toBe(true);
      }
    });
    it(`${variant}: gradient products, written and accumulated`, async () => {
      const g = await testGpu();
      const M = 70,
        N = 36,
        K = 45;
      for (const [transA, transB] of [
        [false, true],
        [true, false],
      ]) {
        const a = g.upload(randomArray(M * K, rand)),
          b = g.upload(randomArray(K * N, rand)),
          dc = g.upload(randomArray(M * N, rand));
        const prior = randomArray(K * N, rand);
        const run = async (v: MatmulVariant) => {
          const da = poisoned(g, M * K),
            db = g.upload(prior);
          const fwd: MatmulArgs = { a, b, c: g.buffer(M * N * 4), M, N, K, transA, transB, variant: v };
          await g.run([...matmulGrads(fwd, dc, { da }), ...matmulGrads(fwd, dc, { db, accumulate: true })]);
          return [await g.read(da, Float32Array), await g.read(db, Float32Array)];
        };
        const [wantA, wantB] = await run('lavapipe');
        const [gotA, gotB] = await run(variant);
        expect(bitIdentical(gotA, wantA), `dA ${transA} ${transB}: ${firstDiff(gotA, wantA)}`).toBe(true);
        expect(bitIdentical(gotB, wantB), `dB ${transA} ${transB}: ${firstDiff(gotB, wantB)}`).toBe(true);
      }
    });
  }
  it('each tile fits the default WebGPU limits, and a smaller limit refuses it by name', async () => {
    const g = await testGpu();
    for (const t of Object.values(TILES)) expect(tileRefusal(t, g.limits)).toBeUndefined();
    const small = { ...g.limits, maxComputeWorkgroupStorageSize: 8192 } as GPUSupportedLimits;
    expect(tileRefusal(TILES.tiled64, small)).toMatch(/maxComputeWorkgroupStorageSize 8192/);
  });
});
