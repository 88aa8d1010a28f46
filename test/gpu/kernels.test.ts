// Every numbered kernel variant under bench/kernels passes the harness's check (its output against
// the family's CPU reference, output poisoned with NaN) at the family's small test shapes, so a
// broken variant fails here and not only in `npm run bench:kernels`. Timing is the bench's job.
import { describe, expect, it } from 'vitest';
import { matmul } from '../../ts/ops/matmul.js';
import { families } from '../../bench/kernels/families.js';
import type { Variant } from '../../bench/kernels/family.js';
import { check, prepare, release } from '../../bench/kernels/harness.js';
import { matmulFamily, type MatmulSize } from '../../bench/kernels/matmul/index.js';
import { testSeed } from '../util/random.js';
import { testGpu } from './setup.js';

const seed = testSeed();

describe(`kernel variants (seed ${seed})`, () => {
  for (const [name, family] of Object.entries(families)) {
    it(`${name}: ids 00, 01, ... in order`, () => {
      expect(family.variants.map((v) => v.id)).toEqual(family.variants.map((_, i) => String(i).padStart(2, '0')));
    });
    for (const v of family.variants.filter((x) => !x.checkedIn)) {
      it(`${name} ${v.id} ${v.name}`, async () => {
        const g = await testGpu();
        const shapes = family.testShapes.filter((s) => !v.refuses?.(s));
        expect(shapes.length, 'the variant takes at least one test shape').toBeGreaterThan(0);
        for (const s of shapes) {
          const p = prepare(g, family, v, s, seed);
          const c = await check(g, p);
          release(p);
          expect(c.ok, `${family.formatShape(s)}: ${c.detail}`).toBe(true);
        }
      });
    }
  }
});

describe('the harness check', () => {
  const shape = matmulFamily.testShapes[0];
  const broken = (dispatch: Variant<MatmulSize>['dispatch']): Variant<MatmulSize> => ({ id: '99', name: '', dispatch });
  it('fails a variant that leaves output rows unwritten', async () => {
    const g = await testGpu();
    const lastRowLeft = broken((s, [a, b], [c]) => [matmul({ a, b, c, ...s, M: s.M - 1 })]);
    const p = prepare(g, matmulFamily, lastRowLeft, shape, seed);
    const c = await check(g, p);
    release(p);
    expect(c.ok).toBe(false);
    expect(c.detail).toContain(`C element ${(shape.M - 1) * shape.N} is NaN`);
  });
  it('fails a variant off by more than the rounding bound', async () => {
    const g = await testGpu();
    const scaled = broken((s, [a, b], [c]) => [matmul({ a, b, c, ...s, alpha: 1 + 2 ** -10 })]);
    const p = prepare(g, matmulFamily, scaled, shape, seed);
    const c = await check(g, p);
    release(p);
    expect(c.ok).toBe(false);
    expect(c.worst).toBeGreaterThan(1);
  });
});
