// rope's `rotate_at` entry (each row at its own position, for decoding) against the reference.
import { describe, expect, it } from 'vitest';
import { rope, ropeAt, ropeTable } from '../../ts/ops/rope.js';
import { refRope } from '../../ts/ref/rope.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);

describe(`rope at per-row positions (seed ${seed})`, () => {
  it('rotates row r by positions[r], as the reference does at that offset', async () => {
    const g = await testGpu();
    const rows = 5,
      heads = 3,
      kvHeads = 1,
      hd = 16,
      P = 40;
    const table = ropeTable(P, hd, 1e6);
    const q = randomArray(rows * heads * hd, rand),
      k = randomArray(rows * kvHeads * hd, rand);
    const positions = Uint32Array.from({ length: rows }, () => Math.floor(rand() * P));
    const qb = g.upload(q),
      kb = g.upload(k);
    await g.run([
      ropeAt({
        q: qb,
        k: kb,
        table: g.upload(table),
        tablePositions: P,
        positions: g.upload(positions),
        rows,
        heads,
        kvHeads,
        headDim: hd,
      }),
    ]);
    const gotQ = await g.read(qb, Float32Array),
      gotK = await g.read(kb, Float32Array);
    for (let r = 0; r < rows; r++) {
      const wantQ = refRope(q.subarray(r * heads * hd, (r + 1) * heads * hd), table, 1, 1, heads, hd, positions[r]);
      const wantK = refRope(
        k.subarray(r * kvHeads * hd, (r + 1) * kvHeads * hd),
        table,
        1,
        1,
        kvHeads,
        hd,
        positions[r],
      );
      // Two products and a sum of values below 1 in magnitude: a few f32 ulps.
      expect(
        worstRatio(gotQ.subarray(r * heads * hd, (r + 1) * heads * hd), wantQ, () => 4e-7).ratio,
        `row ${r}`,
      ).toBeLessThanOrEqual(1);
      expect(
        worstRatio(gotK.subarray(r * kvHeads * hd, (r + 1) * kvHeads * hd), wantK, () => 4e-7).ratio,
        `row ${r}`,
      ).toBeLessThanOrEqual(1);
    }
  });

  it('agrees with the offset form of the training entry', async () => {
    const g = await testGpu();
    const S = 6,
      heads = 2,
      kvHeads = 2,
      hd = 8,
      P = 16,
      offset = 7;
    const table = g.upload(ropeTable(P, hd, 1e4));
    const q = randomArray(S * heads * hd, rand),
      k = randomArray(S * kvHeads * hd, rand);
    const a = [g.upload(q), g.upload(k)],
      b = [g.upload(q), g.upload(k)];
    await g.run([
      rope({ q: a[0], k: a[1], table, tablePositions: P, T: S, S, heads, kvHeads, headDim: hd, offset }),
      ropeAt({
        q: b[0],
        k: b[1],
        table,
        tablePositions: P,
        positions: g.upload(Uint32Array.from({ length: S }, (_, i) => offset + i)),
        rows: S,
        heads,
        kvHeads,
        headDim: hd,
      }),
    ]);
    expect(Array.from(await g.read(b[0], Float32Array))).toEqual(Array.from(await g.read(a[0], Float32Array)));
    expect(Array.from(await g.read(b[1], Float32Array))).toEqual(Array.from(await g.read(a[1], Float32Array)));
  });
});
