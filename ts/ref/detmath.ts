// Bit-exact JS model of shaders/detmath.wgsl (det_exp, det_log), step for step: i32 arithmetic with
// Math.imul and `| 0`, u32 with `>>> 0`, each f32 operation rounded by Math.fround (a double sum or
// product of two f32 values rounded to f32 is the correctly rounded f32 result, as WGSL's). Tests
// compare the GPU with it bit for bit, and measure its accuracy against float64.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function bitsF32(b: number): number {
  u32[0] = b >>> 0;
  return f32[0];
}

const LOG2E = Math.fround(1.44269502);
const LN2_HI = 0.693145751953125;
const LN2_LO = 0x35bfbe8e; // bits of shaders/detmath.wgsl's DM_LN2_LO
const LN2_Q31_HI = 22713;
const LN2_Q31_LO = 3068;
// Bits of det_exp's q(r) coefficients, highest degree first.
const EXP_POLY = [0x3ab6d9f5, 0x3c091da5, 0x3d2aaa2f, 0x3e2aaa47, 0x3f000000];
const ATANH_POLY = [97612893, 119304647, 153391689, 214748365, 357913941, 1073741824];

function mulq(a: number, b: number): number {
  const ah = a >> 16,
    al = a & 0xffff,
    bh = b >> 16,
    bl = b & 0xffff;
  return ((Math.imul(ah, bh) << 1) + (Math.imul(ah, bl) >> 15) + (Math.imul(al, bh) >> 15)) | 0;
}

function pack(m: number, e: number, sign: number): number {
  const top = 31 - Math.clz32(m);
  const mant = top > 23 ? ((m >>> (top - 24)) + 1) >>> 1 : (m << Math.max(23 - top, 0)) >>> 0;
  const biased = top + e + 127;
  if (biased <= 0) return sign;
  if (biased >= 255) return (sign | 0x7f800000) >>> 0;
  return (sign | ((((biased - 1) << 23) >>> 0) + mant)) >>> 0;
}

/** WGSL round(): to nearest, ties to even. */
function roundEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function horner(coefs: readonly number[], x: number): number {
  let p = coefs[0];
  for (let i = 1; i < coefs.length; i++) p = (mulq(p, x) + coefs[i]) | 0;
  return p;
}

/** det_exp of an f32 value, as the GPU computes it. */
export function detExp(x: number): number {
  const b = f32Bits(x),
    a = b & 0x7fffffff;
  if (a > 0x7f800000) return x;
  if (a >= 0x42c00000) return b === a ? Infinity : 0;
  const f = Math.fround;
  const n = roundEven(f(x * LOG2E));
  const rh = f(x - n * LN2_HI);
  const lo = f(n * bitsF32(LN2_LO));
  const r = f(rh - lo);
  let q = bitsF32(EXP_POLY[0]);
  for (let i = 1; i < EXP_POLY.length; i++) q = f(f(q * r) + bitsF32(EXP_POLY[i]));
  const one = f(1 + f(rh + f(f(f(r * r) * q) - lo)));
  const e = (f32Bits(one) >>> 23) + n;
  if (e <= 0) return 0;
  if (e >= 255) return Infinity;
  return bitsF32(f32Bits(one) + n * 2 ** 23);
}

/** det_log of an f32 value, as the GPU computes it. */
export function detLog(x: number): number {
  const b = f32Bits(x),
    field = (b >>> 23) & 0xff;
  if (field === 0) return -Infinity;
  if (b >= 0x80000000) return NaN;
  if (field === 0xff) return x;
  let e = field - 127;
  let mq = (b & 0x7fffff) | 0x800000;
  if (mq > 11863283) e += 1;
  else mq <<= 1;
  const num = mq - 0x1000000;
  if (num === 0 && e === 0) return 0;
  const den = mq + 0x1000000;
  const an = Math.abs(num);
  const shN = Math.clz32(an) - 8;
  let rem = (an << shN) >>> 0,
    q = 0;
  for (let i = 0; i < 5; i++) {
    const t = (rem << 6) >>> 0;
    const d = Math.floor(t / den);
    rem = t - d * den;
    q = ((q << 6) | d) >>> 0;
  }
  const sq = q >>> (shN - 1);
  const u = mulq(q, horner(ATANH_POLY, mulq(sq, sq))) >>> 0;
  const lnSign = num < 0 ? 0x80000000 : 0;
  if (e === 0) return bitsF32(pack(u, -28 - shN, lnSign));
  const ae = Math.abs(e);
  const k = 31 - Math.clz32(ae);
  const sh = k + 2;
  const eln2 = ((ae * LN2_Q31_HI) << (16 - sh)) + ((ae * LN2_Q31_LO) >> sh);
  const lnm = u >>> Math.min(shN + k - 1, 31);
  const mag = num < 0 === e < 0 ? eln2 + lnm : eln2 - lnm;
  return bitsF32(pack(mag >>> 0, k - 29, e < 0 ? 0x80000000 : 0));
}
