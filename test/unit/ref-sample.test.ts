// The sampling reference (ts/ref/sample.ts) on hand-computed cases: logits that are exact powers of
// two apart, so kept sets, boundaries and probabilities can be worked out on paper.
import { describe, expect, it } from 'vitest';
import {
  refKeptProbs,
  refKeptSet,
  refLogprob,
  refSampleRow,
  sampleRowF32,
  type SampleOptions,
} from '../../ts/ref/sample.js';
import { randomArray, rng, testSeed } from '../util/random.js';

const L = Math.LN2;
const kept = (z: number[], o: SampleOptions) => refKeptSet(z, o).flatMap((k, i) => (k ? [i] : []));

describe('sampling reference, hand-computed', () => {
  // softmax = [1/4, 1/2, 1/8, 1/8] (exp of 0, -ln 2 and -2 ln 2 are exact in f64).
  const z = [-L, 0, -2 * L, -2 * L];

  it('top-p keeps the smallest top set whose mass reaches p; a boundary exactly at a cumulative mass stops there', () => {
    expect(kept(z, { temperature: 1, topP: 0.5 })).toEqual([1]); // 1/2 reaches 0.5 exactly
    expect(kept(z, { temperature: 1, topP: 0.51 })).toEqual([0, 1]);
    expect(kept(z, { temperature: 1, topP: 0.75 })).toEqual([0, 1]); // 1/2 + 1/4 reaches 0.75 exactly
    // Past 0.75 the next value is a tie of two 1/8s: both are kept.
    expect(kept(z, { temperature: 1, topP: 0.76 })).toEqual([0, 1, 2, 3]);
    expect(kept(z, { temperature: 1, topP: 1 })).toEqual([0, 1, 2, 3]);
    const p = refKeptProbs(z, { temperature: 1, topP: 0.75 });
    [1 / 3, 2 / 3, 0, 0].forEach((q, i) => expect(p[i]).toBeCloseTo(q, 15));
  });

  it('top-k keeps the k largest values and every value tied with the k-th', () => {
    const t = [3, 1, 3, 2, 1];
    expect(kept(t, { temperature: 1, topK: 1 })).toEqual([0, 2]);
    expect(kept(t, { temperature: 1, topK: 2 })).toEqual([0, 2]);
    expect(kept(t, { temperature: 1, topK: 3 })).toEqual([0, 2, 3]);
    expect(kept(t, { temperature: 1, topK: 4 })).toEqual([0, 1, 2, 3, 4]);
    expect(kept(t, { temperature: 1, topK: 0 })).toEqual([0, 1, 2, 3, 4]); // off
    const p = refKeptProbs(t, { temperature: 1, topK: 1 });
    [0.5, 0, 0.5, 0, 0].forEach((q, i) => expect(p[i]).toBeCloseTo(q, 15));
  });

  it('top-p applies to the mass that top-k kept', () => {
    // Weights 1, 1/2, 1/4, 1/8, 1/8 (total 2). p = 0.8 alone: 1 + 1/2 = 1.5 < 1.6, so 1/4 is kept too.
    // With top-k 3 the total is 1.75 and 1.5 >= 0.8 * 1.75 = 1.4: the top-p set shrinks to two.
    const t = [0, -L, -2 * L, -3 * L, -3 * L];
    expect(kept(t, { temperature: 1, topP: 0.8 })).toEqual([0, 1, 2]);
    expect(kept(t, { temperature: 1, topK: 3 })).toEqual([0, 1, 2]);
    expect(kept(t, { temperature: 1, topK: 3, topP: 0.8 })).toEqual([0, 1]);
    const p = refKeptProbs(t, { temperature: 1, topK: 3, topP: 0.8 });
    [2 / 3, 1 / 3, 0, 0, 0].forEach((q, i) => expect(p[i]).toBeCloseTo(q, 15));
  });

  it('temperature divides the logits before the softmax and the top-p mass', () => {
    // [2 ln 2, ln 2, 0, 0]: at T = 1 weights 4, 2, 1, 1; at T = 2 weights 2, sqrt 2, 1, 1.
    const t = [2 * L, L, 0, 0];
    const p2 = refKeptProbs(t, { temperature: 2 });
    const s = 4 + Math.SQRT2;
    [2 / s, Math.SQRT2 / s, 1 / s, 1 / s].forEach((q, i) => expect(p2[i]).toBeCloseTo(q, 14));
    // top-p 0.7: at T = 1 the 1s lie above 6 >= 5.6 of mass and are dropped; at T = 2 above 2 + sqrt 2 < 0.7 s.
    expect(kept(t, { temperature: 1, topP: 0.7 })).toEqual([0, 1]);
    expect(kept(t, { temperature: 2, topP: 0.7 })).toEqual([0, 1, 2, 3]);
    expect(refLogprob(t, 1, 2)).toBeCloseTo(Math.log(Math.SQRT2 / s), 14);
    expect(refLogprob(t, 1, 1)).toBeCloseTo(Math.log(2 / 8), 14);
  });

  it('the draw takes the first column whose cumulative kept probability exceeds u; greedy takes the first argmax', () => {
    // Column order: cumulative 1/4, 3/4, 7/8, 1.
    expect(refSampleRow(z, { temperature: 1 }, 0.2).token).toBe(0);
    expect(refSampleRow(z, { temperature: 1 }, 0.6).token).toBe(1);
    expect(refSampleRow(z, { temperature: 1 }, 0.8).token).toBe(2);
    expect(refSampleRow(z, { temperature: 1 }, 0.9).token).toBe(3);
    const r = refSampleRow(z, { temperature: 1 }, 0.7);
    expect(r.margin).toBeCloseTo(0.05, 14);
    // With top-p 0.75 the kept probabilities are 1/3, 2/3: u = 0.34 falls in column 1; the
    // log-probability is still over the whole vocabulary (not renormalised).
    const f = refSampleRow(z, { temperature: 1, topP: 0.75 }, 0.34);
    expect(f.token).toBe(1);
    expect(f.logprob).toBeCloseTo(Math.log(0.5), 14);
    expect(refSampleRow(z, { temperature: 1, topP: 0.75 }, 0.3).token).toBe(0);
    const g = refSampleRow([1, 3, 3], { temperature: 0 }, 0.99);
    expect(g.token).toBe(1);
    expect(g.logprob).toBeCloseTo(3 - Math.log(Math.E + 2 * Math.E ** 3), 14);
  });
});

describe("the kernel's bit-exact model (sampleRowF32) against the f64 reference", () => {
  const seed = testSeed();
  const rand = rng(seed);
  for (const o of [
    { temperature: 1 },
    { temperature: 0.7, topK: 5 },
    { temperature: 1.3, topP: 0.8 },
    { temperature: 0.9, topK: 40, topP: 0.6 },
    { temperature: 0 },
  ] as SampleOptions[]) {
    it(`draws the reference's token and log-probability (${JSON.stringify(o)}, seed ${seed})`, () => {
      // 64 chunks of 12 columns: 25 hold the vocabulary (the last in part), the rest padding.
      const vocab = 300,
        stride = 520;
      let decided = 0;
      for (let r = 0; r < 40; r++) {
        const z = randomArray(stride, rand, -4, 4).map((x, j) => (j < vocab ? x : 100));
        const u = Math.floor(rand() * 2 ** 23) * 2 ** -23;
        const got = sampleRowF32(z, vocab, stride, o, u);
        const want = refSampleRow(z.subarray(0, vocab), o, u);
        expect(refKeptSet(z.subarray(0, vocab), o)[got.token] || o.temperature === 0).toBe(true);
        if (want.margin > 1e-5) {
          expect(got.token, `row ${r}`).toBe(want.token);
          decided++;
        }
        expect(Math.abs(got.logprob - want.logprob)).toBeLessThan(1e-5);
      }
      expect(decided).toBeGreaterThan(36);
    });
  }
});
