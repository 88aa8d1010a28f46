import { describe, expect, it } from 'vitest';
import { ropeInvFreq, ropeTable } from '../../ts/ops/rope.js';
import { refRope, refRopeTable } from '../../ts/ref/rope.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;

describe(`rope reference (seed ${seed})`, () => {
  it('backward (inverse rotation) equals central finite differences of the forward (f64)', () => {
    const T = 6,
      S = 3,
      heads = 2,
      hd = 8,
      offset = 5;
    const table = ropeTable(offset + S, hd, 1e4);
    const x = Float64Array.from(randomArray(T * heads * hd, rand));
    const r = randomArray(T * heads * hd, rand); // loss = Σ r ⊙ rope(x)
    const loss = () => refRope(x, table, T, S, heads, hd, offset).reduce((s, v, i) => s + v * r[i], 0);
    const grad = refRope(r, table, T, S, heads, hd, offset, true);
    const h = 1e-6;
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(centralDifference(loss, x, i, h) - grad[i]), `element ${i}`).toBeLessThan(1e-8);
    }
  });

  it('the inverse undoes the forward, and position 0 is the identity', () => {
    const T = 4,
      S = 4,
      heads = 3,
      hd = 16;
    const table = ropeTable(S, hd);
    const x = randomArray(T * heads * hd, rand);
    const back = refRope(refRope(x, table, T, S, heads, hd), table, T, S, heads, hd, 0, true);
    back.forEach((v, i) => expect(v).toBeCloseTo(x[i], 6));
    const y = refRope(x, table, T, S, heads, hd);
    for (let i = 0; i < heads * hd; i++) expect(y[i]).toBe(x[i]);
  });

  it('inv_freq follows theta^(-2i/hd) (Qwen2: theta 1e6)', () => {
    const inv = ropeInvFreq(64);
    expect(inv[0]).toBe(1);
    expect(inv[1]).toBeCloseTo(Math.exp(-Math.log(1e6) / 32), 7); // 0.64938...
    for (let i = 0; i < 32; i++) expect(Math.abs(inv[i] / 1e6 ** (-i / 32) - 1)).toBeLessThan(20 * U);
  });

  it('table: cos and sin of the f32 angle p·inv_freq, as HF computes it', () => {
    const P = 2048,
      hd = 64,
      half = hd / 2;
    const table = ropeTable(P, hd);
    let roundedAngleSeen = false;
    for (let p = 0; p < P; p += 7) {
      for (let i = 0; i < half; i++) {
        const exact = p * 1e6 ** (-i / half);
        // f32 exponent, pow, division and product: relative error of the angle within ~(ln θ + 4)u.
        const tol = exact * 20 * U + 2 * U;
        const c = table[p * hd + i],
          s = table[p * hd + half + i];
        expect(Math.abs(c - Math.cos(exact))).toBeLessThan(tol);
        expect(Math.abs(s - Math.sin(exact))).toBeLessThan(tol);
        expect(c * c + s * s).toBeCloseTo(1, 6);
        if (Math.abs(c - Math.cos(exact)) > 1e-5) roundedAngleSeen = true;
      }
    }
    // At large positions f32 rounding of the angle shows (HF semantics), e.g. p = 2047, i = 0:
    expect(table[2047 * hd]).toBe(Math.fround(Math.cos(2047)));
    expect(roundedAngleSeen).toBe(true);
  });

  it("the reference's own f64 table agrees with the fast path's f32 one within the angle's f32 rounding", () => {
    const P = 300,
      hd = 16,
      theta = 1e4;
    const ref = refRopeTable(P, hd, theta),
      fast = ropeTable(P, hd, theta);
    for (let p = 0; p < P; p++) {
      for (let j = 0; j < hd; j++) {
        expect(Math.abs(ref[p * hd + j] - fast[p * hd + j]), `p ${p}, entry ${j}`).toBeLessThan((p * 20 + 2) * U);
      }
    }
    expect(Array.from(ref.subarray(0, hd))).toEqual([...new Array(hd / 2).fill(1), ...new Array(hd / 2).fill(0)]);
  });
});
