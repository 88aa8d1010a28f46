import { describe, expect, it } from 'vitest';
import { kvAppend, kvDecodeAttention } from '../../ts/ops/kvcache.js';
import { refAttentionForward } from '../../ts/ref/attention.js';
import { refKvAppend, refKvDecode } from '../../ts/ref/kvcache.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);

describe(`kvcache (seed ${seed})`, () => {
  it('append writes rows at per-sequence positions and drops rows past the capacity', async () => {
    const g = await testGpu();
    const B = 3,
      R = 5,
      L = 9,
      width = 12;
    const rows = randomArray(B * R * width, rand);
    const pos = new Uint32Array([0, 2, 6]); // the last sequence overflows by two rows
    const prior = randomArray(B * L * width, rand);
    const cache = g.upload(prior);
    await g.run([kvAppend({ rows: g.upload(rows), pos: g.upload(pos), cache, B, R, L, width })]);
    const got = await g.read(cache, Float32Array);
    expect(Array.from(got)).toEqual(Array.from(refKvAppend(rows, pos, prior, B, R, L, width)).map(Math.fround));
  });

  for (const [H, KVH, hd] of [
    [4, 2, 8],
    [3, 3, 12],
    [6, 2, 64],
  ]) {
    it(`decode matches the reference and the last row of full causal attention (H=${H} KVH=${KVH} hd=${hd})`, async () => {
      const g = await testGpu();
      const B = 3,
        L = 21;
      const lens = new Uint32Array([1, 13, 21]);
      const q = randomArray(B * H * hd, rand),
        k = randomArray(B * L * KVH * hd, rand),
        v = randomArray(B * L * KVH * hd, rand);
      const o = poisoned(g, B * H * hd);
      const shape = { B, H, KVH, hd, L };
      await g.run([
        kvDecodeAttention({
          q: g.upload(q),
          kCache: g.upload(k),
          vCache: g.upload(v),
          lens: g.upload(lens),
          o,
          ...shape,
        }),
      ]);
      const got = await g.read(o, Float32Array);
      const want = refKvDecode(q, k, v, lens, shape);
      // Softmax-weighted means of values in [-1, 1]: absolute error of a few f32 ulps of 1 per key.
      const r = worstRatio(got, want, () => 1e-5 * Math.sqrt(L) + 1e-6);
      expect(r.ratio, `seed ${seed} at ${r.at}: ${got[r.at]} vs ${want[r.at]}`).toBeLessThanOrEqual(1);
      // The same as the last query row of full causal attention over that sequence's prefix.
      const b = 1,
        n = lens[b];
      const seqQ = new Float64Array(n * H * hd);
      seqQ.set(q.subarray(b * H * hd, (b + 1) * H * hd), (n - 1) * H * hd);
      const full = refAttentionForward({
        q: seqQ,
        k: k.subarray(b * L * KVH * hd, (b * L + n) * KVH * hd),
        v: v.subarray(b * L * KVH * hd, (b * L + n) * KVH * hd),
        B: 1,
        S: n,
        H,
        KVH,
        hd,
      });
      const last = full.o.subarray((n - 1) * H * hd, n * H * hd);
      const mine = want.subarray(b * H * hd, (b + 1) * H * hd);
      for (let i = 0; i < last.length; i++) expect(Math.abs(last[i] - mine[i])).toBeLessThan(1e-12);
    });
  }
});
