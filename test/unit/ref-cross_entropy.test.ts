// The reference backward of cross-entropy and of the tied LM head against central finite
// differences of the reference forward (f64, no GPU).
import { describe, expect, it } from 'vitest';
import { refCrossEntropy, refLmHeadLoss } from '../../ts/ref/cross_entropy.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);
const H = 1e-5;
// Central differences in f64: truncation O(H² f''') plus rounding O(eps |f| / H), far below 1e-7 here.
const TOL = 1e-7;

function f64(a: Float32Array): Float64Array {
  return Float64Array.from(a);
}

/** Central difference of f at every coordinate of `at` (mutated and restored). */
function numericGrad(at: Float64Array, f: () => number): Float64Array {
  const g = new Float64Array(at.length);
  for (let i = 0; i < at.length; i++) {
    g[i] = centralDifference(f, at, i, H);
  }
  return g;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function sum(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s;
}

describe(`reference cross-entropy backward vs finite differences (seed ${seed})`, () => {
  it('dlogits, with padding columns, zero and fractional weights', () => {
    const rows = 5,
      vocab = 7,
      stride = 9,
      scale = 1 / 3;
    const logits = f64(randomArray(rows * stride, rand, -4, 4));
    const targets = Array.from({ length: rows }, () => Math.floor(rand() * vocab));
    const mask = [1, 0, 1, 0.5, 1];
    const objective = () => scale * sum(refCrossEntropy({ logits, targets, mask, rows, vocab, stride, scale }).loss);
    const { dlogits } = refCrossEntropy({ logits, targets, mask, rows, vocab, stride, scale });
    const numeric = numericGrad(logits, objective);
    expect(maxAbsDiff(dlogits, numeric), `seed ${seed}`).toBeLessThan(TOL);
    // Padding columns and the masked rows carry no gradient (so the check above is not vacuous there).
    expect(numeric[stride - 1]).toBe(0);
    expect(maxAbsDiff(numeric.subarray(stride, 2 * stride), new Float64Array(stride))).toBe(0);
  });

  it('entropy bonus: dlogits of scale * loss - e * H, H against -sum p log p, rows with only e counted', () => {
    const rows = 4,
      vocab = 6,
      stride = 8,
      scale = 1 / 2;
    const logits = f64(randomArray(rows * stride, rand, -3, 3));
    const targets = Array.from({ length: rows }, () => Math.floor(rand() * vocab));
    const mask = [1, 0, 0.5, 0];
    const ent = [0.3, 0.7, 0, 0]; // row 1: bonus only; row 3: neither
    const run = () => refCrossEntropy({ logits, targets, mask, rows, vocab, stride, scale, ent });
    const objective = () => {
      const r = run();
      return scale * sum(r.loss) - sum(r.entropy.map((h, i) => ent[i] * h));
    };
    const numeric = numericGrad(logits, objective);
    expect(maxAbsDiff(run().dlogits, numeric), `seed ${seed}`).toBeLessThan(TOL);
    expect(Math.abs(numeric[stride])).toBeGreaterThan(1e-4); // the bonus-only row has a gradient
    expect(maxAbsDiff(numeric.subarray(3 * stride), new Float64Array(stride))).toBe(0);
    const { entropy } = run();
    for (const r of [0, 1, 2]) {
      const z = Array.from(logits.subarray(r * stride, r * stride + vocab));
      const total = z.reduce((a, v) => a + Math.exp(v), 0);
      const h = -z.reduce((a, v) => a + (Math.exp(v) / total) * Math.log(Math.exp(v) / total), 0);
      expect(entropy[r]).toBeCloseTo(h, 12);
    }
    expect(entropy[3]).toBe(0);
  });

  it('loss is the logsumexp minus the target logit, stable for large logits', () => {
    const logits = [1000, 1000 + Math.log(3)];
    const { loss } = refCrossEntropy({ logits, targets: [1], mask: [1], rows: 1, vocab: 2, scale: 1 });
    expect(loss[0]).toBeCloseTo(Math.log(4 / 3), 12);
  });

  it('LM head: dx and dEmbed (padded embedding rows get zero gradient)', () => {
    const T = 4,
      D = 3,
      vocab = 5,
      embedRows = 6,
      scale = 1 / 3;
    const x = f64(randomArray(T * D, rand));
    const embed = f64(randomArray(embedRows * D, rand));
    const targets = [0, 4, 2, 1];
    const mask = [1, 1, 0, 1];
    const args = { x, embed, targets, mask, T, D, vocab, embedRows, scale };
    const objective = () => scale * sum(refLmHeadLoss(args).loss);
    const { dx, dEmbed } = refLmHeadLoss(args);
    expect(maxAbsDiff(dx, numericGrad(x, objective)), `seed ${seed} dx`).toBeLessThan(TOL);
    const numericE = numericGrad(embed, objective);
    expect(maxAbsDiff(dEmbed, numericE), `seed ${seed} dEmbed`).toBeLessThan(TOL);
    expect(maxAbsDiff(numericE.subarray(vocab * D), new Float64Array(D))).toBe(0);
  });
});
