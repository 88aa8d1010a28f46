import { describe, expect, it } from 'vitest';
import { gradNorm, gradNormPartials } from '../../ts/ops/grad_norm.js';
import { CHUNK } from '../../ts/ops/reduce.js';
import { refGradNorm } from '../../ts/ref/adamw.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;

describe(`grad_norm (seed ${seed})`, () => {
  const n = 3 * CHUNK + 777;
  for (const maxNorm of [1, 1e4, 0]) {
    it(`norm and clip factor, maxNorm ${maxNorm}${maxNorm === 0 ? ' (off)' : ''}`, async () => {
      const g = await testGpu();
      const x = randomArray(n, rand, -3, 3);
      const stats = poisoned(g, 2),
        partials = g.buffer(gradNormPartials(n) * 4);
      await g.run(gradNorm({ grads: g.upload(x), n, partials, stats, maxNorm }));
      const [norm, factor] = await g.read(stats, Float32Array, 2);
      const want = refGradNorm(x, maxNorm);
      // Σx² within (n + 2)u relative (a sum of positives), halved by the sqrt, plus sqrt's and
      // division's few ULP.
      const rel = (n + 2) * U + 12 * U;
      expect(Math.abs(norm - want.norm), `seed ${seed}: norm ${norm} vs ${want.norm}`).toBeLessThanOrEqual(
        rel * want.norm,
      );
      expect(Math.abs(factor - want.factor), `seed ${seed}: factor ${factor} vs ${want.factor}`).toBeLessThanOrEqual(
        2 * rel * want.factor,
      );
      expect(factor < 1).toBe(maxNorm === 1);
    });
  }
  it('is bit-identical run to run', async () => {
    const g = await testGpu();
    const n2 = 9 * CHUNK + 5;
    const grads = g.upload(randomArray(n2, rand, -1e3, 1e3));
    const stats = g.buffer(8),
      partials = g.buffer(gradNormPartials(n2) * 4);
    const seen = new Set<string>();
    for (let k = 0; k < 3; k++) {
      await g.run(gradNorm({ grads, n: n2, partials, stats, maxNorm: 1 }));
      seen.add((await g.read(stats, Uint32Array, 2)).join(','));
    }
    expect(seen.size).toBe(1);
  });
  it('refuses a scratch buffer that is too small', async () => {
    const g = await testGpu();
    const b = g.buffer(8);
    expect(() => gradNorm({ grads: b, n: 2 * CHUNK + 1, partials: g.buffer(8), stats: b, maxNorm: 1 })).toThrow(
      /needs 3/,
    );
  });
});
