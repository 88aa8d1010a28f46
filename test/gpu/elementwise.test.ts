import { describe, expect, it } from 'vitest';
import { binary, fill, type BinaryOp } from '../../ts/ops/elementwise.js';
import { refBinary } from '../../ts/ref/elementwise.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const ULP = 2 ** -23;

describe(`elementwise (seed ${seed})`, () => {
  // WGSL rounds + - * correctly; division may be off by 2.5 ULP and a*b+c may be fused, so those
  // get a few ULP of the operands' magnitude.
  const tolerance: Record<BinaryOp, number> = { add: 0, sub: 0, mul: 0, div: 3, axpby: 3 };
  for (const n of [1, 257, 70_001]) {
    for (const op of Object.keys(tolerance) as BinaryOp[]) {
      it(`${op} n=${n}`, async () => {
        const g = await testGpu();
        const a = randomArray(n, rand, -4, 4);
        const b = randomArray(n, rand, 0.5, 3); // away from 0 for div
        const out = poisoned(g, n);
        const alpha = 0.75,
          beta = -1.5;
        await g.run([binary(op, g.upload(a), g.upload(b), out, n, alpha, beta)]);
        const got = await g.read(out, Float32Array);
        const want = refBinary(op, a, b, alpha, beta);
        const scale = (i: number) =>
          Math.abs(want[i]) + (op === 'axpby' ? Math.abs(alpha * a[i]) + Math.abs(beta * b[i]) : 0);
        const r = worstRatio(got, want, (i) => tolerance[op] * ULP * scale(i) + 1e-45);
        expect(r.ratio, `seed ${seed} at ${r.at}: ${got[r.at]} vs ${want[r.at]}`).toBeLessThanOrEqual(1);
      });
    }
  }
  it('a grid over 65535 workgroups covers every element (2D dispatch)', async () => {
    const g = await testGpu();
    const n = 65535 * 256 + 1000;
    const out = poisoned(g, n);
    await g.run([fill(out, n, 3.5)]);
    const got = await g.read(out, Float32Array);
    expect(got.every((v) => v === 3.5)).toBe(true);
  });
  it('fill', async () => {
    const g = await testGpu();
    const n = 1031;
    const filled = poisoned(g, n + 3);
    await g.run([fill(filled, n, 7)]);
    const f = await g.read(filled, Float32Array);
    expect(Array.from(f.subarray(0, n)).every((v) => v === 7)).toBe(true);
    expect(Array.from(f.subarray(n)).every(Number.isNaN)).toBe(true); // nothing past n is touched
  });
});
