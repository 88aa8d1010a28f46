// exp and log in float64 with the same bits on every JavaScript engine. ECMAScript leaves Math.exp and
// Math.log "implementation-approximated": Node 20 and Chromium give different last bits for a few
// percent of inputs, enough to break a bit-identical run wherever host code feeds them into training
// (the GRPO ratio and KL). Here only +, -, *, / (correctly rounded by IEEE 754, and never fused in
// JavaScript) and exact bit manipulation are used, so the result is a function of the input alone.
// Accuracy: within 2 ULP of the true value (test/unit/math64.test.ts).

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
// Little-endian hosts (every platform Node and browsers run on): word 1 holds sign, exponent and the
// top of the mantissa.
const HI = 1;
const LO = 0;

// ln 2 split so that k * LN2_HI is exact for |k| < 2^11 (LN2_HI has 32 trailing zero bits).
const LN2_HI = 6.9314718036912381649e-1;
const LN2_LO = 1.90821492927058770002e-10;
const INV_LN2 = 1.442695040888963387;

/** 2^k for an integer k in [-1022, 1023], built from its bits (exact). */
function pow2(k: number): number {
  u32[HI] = (k + 1023) << 20;
  u32[LO] = 0;
  return f64[0];
}

/** e^x. */
export function exp64(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x > 709.782712893384) return Infinity;
  if (x < -745.1332191019412) return 0;
  const k = Math.round(x * INV_LN2);
  // Cody-Waite reduction: |r| <= ~0.347.
  const r = x - k * LN2_HI - k * LN2_LO;
  // Taylor series of e^r to r^14 / 14! (remainder below 2^-60 relative on |r| <= 0.35), by Horner.
  let p = 1 / 87178291200;
  for (let n = 13; n >= 1; n--) p = p * r + INV_FACTORIAL[n];
  const e = p * r + 1;
  // Scale by 2^k in two exact steps so neither overflows nor underflows early.
  const k1 = k >> 1;
  return e * pow2(k1) * pow2(k - k1);
}

const INV_FACTORIAL = Array.from({ length: 14 }, (_, n) => {
  let f = 1;
  for (let i = 2; i <= n; i++) f *= i;
  return 1 / f;
});

/** The natural logarithm of x. */
export function log64(x: number): number {
  if (Number.isNaN(x) || x < 0) return NaN;
  if (x === 0) return -Infinity;
  if (x === Infinity) return Infinity;
  let e = 0;
  if (x < 2.2250738585072014e-308) {
    x *= 18014398509481984; // 2^54: subnormals become normal, exactly
    e = -54;
  }
  f64[0] = x;
  e += ((u32[HI] >>> 20) & 0x7ff) - 1023;
  // The mantissa m in [1, 2), moved to [sqrt(1/2), sqrt(2)) so that |s| below stays <= 0.1716.
  u32[HI] = (u32[HI] & 0x000fffff) | 0x3ff00000;
  let m = f64[0];
  if (m > Math.SQRT2) {
    m *= 0.5;
    e += 1;
  }
  // With f = m - 1 (exact) and s = f / (2 + f): log m = 2 atanh(s) = f - (h - s (h + R)), h = f^2 / 2,
  // R = 2z/3 + 2z^2/5 + ... (z = s^2 <= 0.0295; to z^11, remainder < 2^-60). Written as fdlibm arranges
  // it, so the large terms are added last.
  const f = m - 1;
  const h = 0.5 * f * f;
  const s = f / (2 + f);
  const z = s * s;
  let r = 2 / 23;
  for (let n = 21; n >= 3; n -= 2) r = r * z + 2 / n;
  r *= z;
  return e * LN2_HI - (h - (s * (h + r) + e * LN2_LO) - f);
}
