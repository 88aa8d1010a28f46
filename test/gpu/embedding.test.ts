import { describe, expect, it } from 'vitest';
import { embedding, embeddingBackward, groupTokensById } from '../../ts/ops/embedding.js';
import { refEmbedding, refEmbeddingBackward } from '../../ts/ref/embedding.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff

// Skewed ids (a few ids take many tokens, some none), like real text.
function randomIds(T: number, V: number): Uint32Array {
  return Uint32Array.from({ length: T }, () => Math.floor(V * rand() ** 3));
}

describe(`embedding (seed ${seed})`, () => {
  const cases = [
    { T: 301, V: 37, D: 44 },
    { T: 1, V: 3, D: 4 },
    { T: 2000, V: 1031, D: 12 },
  ];
  for (const { T, V, D } of cases) {
    it(`forward is an exact gather, T=${T} V=${V} D=${D}`, async () => {
      const g = await testGpu();
      const ids = randomIds(T, V),
        table = randomArray(V * D, rand);
      const out = poisoned(g, T * D);
      await g.run([embedding({ ids: g.upload(ids), table: g.upload(table), out, T, V, D })]);
      const got = await g.read(out, Float32Array);
      expect(worstRatio(got, refEmbedding(ids, table, D), () => Number.MIN_VALUE).ratio).toBeLessThanOrEqual(1);
    });

    for (const accumulate of [false, true]) {
      it(`backward${accumulate ? ' (accumulate)' : ''}, T=${T} V=${V} D=${D}`, async () => {
        const g = await testGpu();
        const ids = randomIds(T, V),
          dOut = randomArray(T * D, rand);
        const prior = accumulate ? randomArray(V * D, rand) : undefined;
        const dTable = prior ? g.upload(prior) : poisoned(g, V * D);
        const { offsets, positions } = groupTokensById(ids, V);
        const run = () =>
          g.run([
            embeddingBackward({
              offsets: g.upload(offsets),
              positions: g.upload(positions),
              dOut: g.upload(dOut),
              dTable,
              T,
              V,
              D,
              accumulate,
            }),
          ]);
        await run();
        const got = await g.read(dTable, Float32Array);
        const want = refEmbeddingBackward(ids, dOut, V, D, prior);
        // Fixed-order f32 sum of n terms: |error| <= (n - 1) u Σ|terms| (plus the prior).
        const absSum = refEmbeddingBackward(ids, dOut.map(Math.abs), V, D, prior?.map(Math.abs));
        const tol = (i: number) =>
          (offsets[Math.floor(i / D) + 1] - offsets[Math.floor(i / D)] + 1) * U * absSum[i] + Number.MIN_VALUE;
        const { ratio, at } = worstRatio(got, want, tol);
        expect(ratio, `element ${at}: got ${got[at]} want ${want[at]}`).toBeLessThanOrEqual(1);
        if (!accumulate) {
          await run(); // same inputs, same bits
          expect(await g.read(dTable, Float32Array)).toEqual(got);
        }
      });
    }
  }

  it('an id outside the table gives a NaN row, not a silent read', async () => {
    const g = await testGpu();
    const T = 3,
      V = 5,
      D = 8;
    const out = g.upload(new Float32Array(T * D));
    await g.run([
      embedding({ ids: g.upload(Uint32Array.of(1, 5, 4)), table: g.upload(randomArray(V * D, rand)), out, T, V, D }),
    ]);
    const got = await g.read(out, Float32Array);
    expect(got.subarray(D, 2 * D).every(Number.isNaN)).toBe(true);
    expect(got.subarray(0, D).some(Number.isNaN) || got.subarray(2 * D).some(Number.isNaN)).toBe(false);
  });

  it('refuses rows that are not a multiple of 4', () => {
    expect(() => embedding({ ids: null!, table: null!, out: null!, T: 2, V: 3, D: 6 })).toThrow(
      /D=6 must be a multiple of 4/,
    );
  });
});
