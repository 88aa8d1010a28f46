import { describe, expect, it } from 'vitest';
import { CHUNK, reduceAll, reduceRows, reduceToScalar, type ReduceOp } from '../../ts/ops/reduce.js';
import { refReduceRows } from '../../ts/ref/reduce.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;

// Summation error bound γ_n Σ|x| (max is exact).
function tol(op: ReduceOp, x: Float32Array, rows: number, cols: number, n: number) {
  const abs = refReduceRows(op === 'max' ? 'sum' : op, x.map(Math.abs), rows, cols, n);
  return (i: number) => (op === 'max' ? 0 : 2 * (cols + 2) * U * abs[i]) + 1e-30;
}

describe(`reduce (seed ${seed})`, () => {
  for (const op of ['sum', 'max', 'sumsq'] as ReduceOp[]) {
    for (const [rows, cols] of [
      [1, 1],
      [7, 1000],
      [300, 63],
      [2, 70_000],
    ]) {
      it(`${op} rows=${rows} cols=${cols}`, async () => {
        const g = await testGpu();
        const x = randomArray(rows * cols, rand, -3, 3);
        const out = poisoned(g, rows);
        await g.run([reduceRows(op, g.upload(x), out, rows, cols)]);
        const got = await g.read(out, Float32Array);
        const want = refReduceRows(op, x, rows, cols);
        const r = worstRatio(got, want, tol(op, x, rows, cols, rows * cols));
        expect(r.ratio, `seed ${seed} row ${r.at}: ${got[r.at]} vs ${want[r.at]}`).toBeLessThanOrEqual(1);
      });
    }
    it(`${op} over a whole ragged buffer, two passes`, async () => {
      const g = await testGpu();
      const n = 3 * CHUNK + 777;
      const x = randomArray(n, rand, -3, 3);
      const got = await reduceToScalar(g, op, g.upload(x), n);
      const want = refReduceRows(op, x, 1, n)[0];
      const bound = op === 'max' ? 0 : 2 * (n + 2) * U * refReduceRows(op, x.map(Math.abs), 1, n)[0];
      expect(Math.abs(got - want), `seed ${seed}: ${got} vs ${want}`).toBeLessThanOrEqual(bound);
    });
  }
  it('is bit-identical from run to run (fixed order)', async () => {
    const g = await testGpu();
    const n = 5 * CHUNK + 3;
    const x = g.upload(randomArray(n, rand, -1e3, 1e3));
    const partials = g.buffer(6 * 4),
      out = g.buffer(4);
    const results = new Set<number>();
    for (let i = 0; i < 4; i++) {
      await g.run(reduceAll('sum', x, partials, out, n));
      results.add((await g.read(out, Uint32Array, 1))[0]);
    }
    expect(results.size).toBe(1);
  });
});
