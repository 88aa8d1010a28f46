import { describe, expect, it } from 'vitest';
import { exp64, log64 } from '../../ts/util/math64.js';

// Distance in units in the last place between two finite doubles of the same sign.
function ulps(a: number, b: number): number {
  const buf = new BigInt64Array(2);
  const f = new Float64Array(buf.buffer);
  f[0] = a;
  f[1] = b;
  const d = buf[0] - buf[1];
  return Number(d < 0n ? -d : d);
}

// A fresh seeded stream each run of the file (xorshift over a time-derived seed), reported on failure.
const seed = Date.now() >>> 0 || 1;
function uniform(): () => number {
  let s = seed;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

describe(`deterministic exp and log (seed ${seed})`, () => {
  it('exp is within 2 ULP of Math.exp over the whole finite range', () => {
    const u = uniform();
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = i < 100_000 ? (u() - 0.5) * 40 : (u() - 0.5) * 1450;
      const want = Math.exp(x);
      if (want === 0 || want === Infinity) continue;
      worst = Math.max(worst, ulps(exp64(x), want));
    }
    // Math.exp itself is within 1 ULP on V8, so 2 bounds ours within ~3 of the truth.
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('log is within 2 ULP of Math.log, subnormals included', () => {
    const u = uniform();
    let worst = 0;
    for (let i = 0; i < 200_000; i++) {
      const x = i % 4 === 0 ? 1 + (u() - 0.5) * 1e-3 : Math.exp((u() - 0.5) * 1400) * (1 + u());
      if (!(x > 0 && x < Infinity)) continue;
      worst = Math.max(worst, ulps(log64(x), Math.log(x)));
    }
    for (const x of [5e-324, 1e-310, 2.2250738585072014e-308, Number.MAX_VALUE]) {
      worst = Math.max(worst, ulps(log64(x), Math.log(x)));
    }
    expect(worst).toBeLessThanOrEqual(2);
  });

  it('exact where the true value is exact, and the IEEE special cases', () => {
    expect(exp64(0)).toBe(1);
    expect(log64(1)).toBe(0);
    expect(exp64(-Infinity)).toBe(0);
    expect(exp64(Infinity)).toBe(Infinity);
    expect(exp64(710)).toBe(Infinity);
    expect(exp64(-746)).toBe(0);
    expect(exp64(NaN)).toBeNaN();
    expect(log64(0)).toBe(-Infinity);
    expect(log64(-1)).toBeNaN();
    expect(log64(Infinity)).toBe(Infinity);
    expect(log64(NaN)).toBeNaN();
    // Near the ends of the range and at the reduction's seams (k changes at odd multiples of ln2 / 2).
    for (const x of [709.7, -708, -745, 0.5 * Math.LN2, -0.5 * Math.LN2, 1.5 * Math.LN2]) {
      expect(ulps(exp64(x), Math.exp(x))).toBeLessThanOrEqual(2);
    }
  });
});

// ln x to P fraction bits in BigInt fixed point (error a few units of 2^-P): x = M 2^E with M a
// 53-bit integer, ln x = 2 atanh((m - 1) / (m + 1)) + (E + 52) ln 2 for m = M / 2^52 in [1, 2).
const P = 256n;
const ONE = 1n << P;
function atanhFixed(num: bigint, den: bigint): bigint {
  const s = (num << P) / den,
    s2 = (s * s) >> P;
  let term = s,
    sum = 0n;
  for (let k = 1n; term !== 0n; k += 2n, term = (term * s2) >> P) sum += term / k;
  return sum;
}
const LN2_FIXED = 2n * atanhFixed(1n, 3n);

/** A positive normal double as M 2^E, M an integer in [2^52, 2^53). */
function split(x: number): { M: bigint; E: bigint } {
  const b = new BigUint64Array(new Float64Array([x]).buffer)[0];
  return { M: (b & ((1n << 52n) - 1n)) | (1n << 52n), E: ((b >> 52n) & 0x7ffn) - 1075n };
}

/** |got - ln x| in units in the last place of got (got finite, nonzero, normal). */
function lnUlps(x: number, got: number): number {
  const { M, E } = split(x);
  const want = 2n * atanhFixed(M - (1n << 52n), M + (1n << 52n)) + (E + 52n) * LN2_FIXED;
  const g = split(Math.abs(got));
  const gotFixed = (got < 0 ? -1n : 1n) * (g.E + P >= 0n ? g.M << (g.E + P) : g.M >> -(g.E + P));
  const diff = gotFixed - want;
  const ulp = 1n << (g.E + P);
  return Number(((diff < 0n ? -diff : diff) * 1000n) / ulp) / 1000;
}

describe(`log64 against a 256-bit reference (seed ${seed})`, () => {
  it('is within 1 ULP of ln x on (0, 1) (what the polar method takes the log of) and around it', () => {
    expect(Number(LN2_FIXED >> (P - 60n)) / 2 ** 60).toBe(Math.LN2); // the reference's own ln 2
    const u = uniform();
    let worst = 0;
    for (let i = 0; i < 4000; i++) {
      // Uniform in (0, 1), near 1 from both sides, and a wide log-uniform range.
      const x = [u(), 1 - u() * 2 ** -20, 1 + u() * 2 ** -20, Math.exp((u() - 0.5) * 1400)][i % 4];
      if (!(x > 2.2250738585072014e-308 && x < Infinity && x !== 1)) continue;
      worst = Math.max(worst, lnUlps(x, log64(x)));
    }
    expect(worst).toBeLessThan(1);
    expect(worst).toBeGreaterThan(0); // the reference is finer than a double: a real distance
  });
});
