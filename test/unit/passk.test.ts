// pass@k against exact enumeration of every k-subset of the samples, and against exact big-integer
// binomials at the study's n = 128.
import { describe, expect, it } from 'vitest';
import { defaultKs, passAtK } from '../../ts/eval/passk.js';
import { rng, testSeed } from '../util/random.js';

/** Fraction of the k-subsets of n samples (correct ones marked) that hold a correct sample. */
function enumerate(correct: boolean[], k: number): number {
  const n = correct.length;
  let hit = 0;
  let total = 0;
  const walk = (from: number, left: number, any: boolean): void => {
    if (left === 0) {
      total++;
      if (any) hit++;
      return;
    }
    for (let i = from; i <= n - left; i++) walk(i + 1, left - 1, any || correct[i]);
  };
  walk(0, k, false);
  return hit / total;
}

function binom(n: number, k: number): bigint {
  if (k < 0 || k > n) return 0n;
  let r = 1n;
  for (let i = 1; i <= k; i++) r = (r * BigInt(n - k + i)) / BigInt(i);
  return r;
}

const seed = testSeed();
const rand = rng(seed);

describe(`pass@k (seed ${seed})`, () => {
  it('equals exact enumeration over all k-subsets for every n <= 10, c, k', () => {
    for (let n = 1; n <= 10; n++) {
      for (let c = 0; c <= n; c++) {
        // Which samples are correct does not matter; place them at random.
        const correct = Array.from({ length: n }, (_, i) => i < c);
        for (let i = n - 1; i > 0; i--) {
          const j = Math.floor(rand() * (i + 1));
          [correct[i], correct[j]] = [correct[j], correct[i]];
        }
        for (let k = 1; k <= n; k++)
          expect(passAtK(n, c, k), `n ${n} c ${c} k ${k}`).toBeCloseTo(enumerate(correct, k), 14);
      }
    }
  });

  it('matches exact big-integer binomials at n = 128 for every c and k', () => {
    const n = 128;
    let worst = 0;
    for (let c = 0; c <= n; c++) {
      for (let k = 1; k <= n; k++) {
        // 1 - C(n-c,k)/C(n,k) to 30 digits, then to a double.
        const scale = 10n ** 30n;
        const exact = 1 - Number((binom(n - c, k) * scale) / binom(n, k)) / 1e30;
        worst = Math.max(worst, Math.abs(passAtK(n, c, k) - exact));
      }
    }
    expect(worst).toBeLessThan(1e-13);
  });

  it('edge cases: c = 0 gives 0, c = n gives 1, k = n gives 1 for any c > 0, pass@1 = c/n', () => {
    for (const n of [1, 7, 128, 1000]) {
      for (const k of [1, Math.ceil(n / 2), n]) {
        expect(passAtK(n, 0, k)).toBe(0);
        expect(passAtK(n, n, k)).toBe(1);
      }
      for (const c of [1, Math.ceil(n / 3), n]) {
        expect(passAtK(n, c, n)).toBe(1);
        expect(passAtK(n, c, 1)).toBeCloseTo(c / n, 14);
      }
    }
    // No overflow or underflow where binomials would be astronomically large.
    const big = passAtK(100_000, 3, 50_000);
    expect(big).toBeCloseTo(1 - (1 - 50_000 / 99_998) * (1 - 50_000 / 99_999) * (1 - 50_000 / 100_000), 12);
  });

  it('is non-decreasing in k and in c', () => {
    const n = 64;
    for (let c = 0; c <= n; c += 3) {
      for (let k = 2; k <= n; k++) expect(passAtK(n, c, k)).toBeGreaterThanOrEqual(passAtK(n, c, k - 1));
      if (c > 0) expect(passAtK(n, c, 5)).toBeGreaterThanOrEqual(passAtK(n, c - 1, 5));
    }
  });

  it('refuses inputs outside its domain', () => {
    expect(() => passAtK(0, 0, 1)).toThrow(/n must be/);
    expect(() => passAtK(4, 5, 1)).toThrow(/c must be/);
    expect(() => passAtK(4, -1, 1)).toThrow(/c must be/);
    expect(() => passAtK(4, 2, 0)).toThrow(/k must be/);
    expect(() => passAtK(4, 2, 5)).toThrow(/k must be/);
    expect(() => passAtK(4, 1.5, 1)).toThrow(/c must be/);
  });

  it('default ks: powers of two up to n, then n', () => {
    expect(defaultKs(128)).toEqual([1, 2, 4, 8, 16, 32, 64, 128]);
    expect(defaultKs(8)).toEqual([1, 2, 4, 8]);
    expect(defaultKs(6)).toEqual([1, 2, 4, 6]);
    expect(defaultKs(1)).toEqual([1]);
  });
});
