import { describe, expect, it } from 'vitest';
import { rope, ropeBackward, ropeTable, type RopeArgs } from '../../ts/ops/rope.js';
import { refRope } from '../../ts/ref/rope.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;

// |x1·c| + |x2·s| for each output (its own value times cos plus its partner's times sin): the
// rotation's two products and one sum each round once, and may be fused.
function bound(
  x: Float32Array,
  table: Float32Array,
  T: number,
  S: number,
  heads: number,
  hd: number,
  offset: number,
): Float64Array {
  const out = new Float64Array(x.length),
    half = hd / 2;
  for (let t = 0; t < T; t++) {
    const row = (offset + (t % S)) * hd;
    for (let j = 0; j < heads * hd; j++) {
      const i = j % hd,
        pair = i < half ? j + half : j - half;
      out[t * heads * hd + j] =
        Math.abs(x[t * heads * hd + j] * table[row + (i % half)]) +
        Math.abs(x[t * heads * hd + pair] * table[row + half + (i % half)]);
    }
  }
  return out;
}

describe(`rope (seed ${seed})`, () => {
  const cases = [
    { B: 3, S: 13, heads: 3, kvHeads: 1, headDim: 24, theta: 1e4, offset: 0 },
    { B: 2, S: 37, heads: 4, kvHeads: 2, headDim: 64, theta: 1e6, offset: 2000 },
    { B: 5, S: 1, heads: 2, kvHeads: 2, headDim: 8, theta: 1e6, offset: 7 }, // decoding: one token per sequence
  ];
  for (const c of cases) {
    it(`forward and backward in place ${JSON.stringify(c)}`, async () => {
      const g = await testGpu();
      const { B, S, heads, kvHeads, headDim: hd, offset } = c;
      const T = B * S;
      const tablePositions = offset + S + 3;
      const table = ropeTable(tablePositions, hd, c.theta);
      const x = { q: randomArray(T * heads * hd, rand), k: randomArray(T * kvHeads * hd, rand) };
      const q = g.upload(x.q),
        k = g.upload(x.k);
      const args: RopeArgs = {
        q,
        k,
        table: g.upload(table),
        tablePositions,
        T,
        S,
        heads,
        kvHeads,
        headDim: hd,
        offset,
      };
      const check = async (buf: GPUBuffer, input: Float32Array, h: number, inverse: boolean, what: string) => {
        const got = await g.read(buf, Float32Array);
        const want = refRope(input, table, T, S, h, hd, offset, inverse);
        const b = bound(input, table, T, S, h, hd, offset);
        const r = worstRatio(got, want, (i) => 3 * U * b[i] + Number.MIN_VALUE);
        expect(r.ratio, `${what} at ${r.at}: got ${got[r.at]} want ${want[r.at]}`).toBeLessThanOrEqual(1);
      };
      await g.run([rope(args)]);
      await check(q, x.q, heads, false, 'q');
      await check(k, x.k, kvHeads, false, 'k');
      // Backward: fresh gradients rotated back in place.
      const d = { q: randomArray(T * heads * hd, rand), k: randomArray(T * kvHeads * hd, rand) };
      g.write(q, d.q);
      g.write(k, d.k);
      await g.run([ropeBackward(args)]);
      await check(q, d.q, heads, true, 'dq');
      await check(k, d.k, kvHeads, true, 'dk');
    });
  }

  it('refuses bad shapes with the reason', () => {
    const a = {
      q: null!,
      k: null!,
      table: null!,
      tablePositions: 16,
      T: 8,
      S: 4,
      heads: 2,
      kvHeads: 1,
      headDim: 16,
    } as RopeArgs;
    expect(() => rope({ ...a, headDim: 12 })).toThrow(/headDim=12 must be a multiple of 8/);
    expect(() => rope({ ...a, T: 6 })).toThrow(/not a whole number of sequences/);
    expect(() => rope({ ...a, offset: 13 })).toThrow(/positions 13..16 are outside the table of 16/);
  });
});
