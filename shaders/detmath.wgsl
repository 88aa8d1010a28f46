// Deterministic exp and log (issue 13), prepended to the kernels that use them (ts/gpu/kernel.ts,
// withDetMath). WGSL lets each vendor's math library pick its own `exp` and `log` within loose bounds
// (3 + 2|x| ULP, 3 ULP), and lets a compiler fuse `a * b + c` into one FMA, so the builtins give
// different bits on different adapters. These two give the same bits everywhere, by construction:
//
// - every float operation is one that WGSL makes correctly rounded (+, -, *, round);
// - no product can be fused with the add that follows it, or rewritten with it: either the product
//   is exact (a short constant times a small integer: fma(a, b, c) == a * b + c then), or it passes
//   through `dm_mul`, which xors its bits with `dm_zero`, a uniform that is always 0 but that no
//   compiler can know; the add then takes an integer result, which matches no float rewrite rule
//   (without it, lavapipe's compiler changes ~5% of det_exp's results). ts/gpu/device.ts binds the
//   zero (group 1) to every pipeline that reads it;
// - det_log's polynomial, division and rounding run on integers (i32/u32 arithmetic is exact,
//   wrapping, and has no fusion), and the result is assembled from its bits, so no inexact
//   int-to-float conversion (whose rounding WGSL leaves open) is needed.
//
// What is left to the platform: it must not reassociate float operations (WGSL allows reassociation
// in principle; no compiler does it without fast-math). Subnormal results are flushed to zero and
// subnormal inputs read as zero, as many GPUs do anyway. ts/ref/detmath.ts is a bit-exact JS model;
// test/unit/detmath.test.ts measures the accuracy (exp and log <= 1 ULP against float64), and
// test/gpu/detmath.test.ts checks the GPU against the model, bit for bit.

@group(1) @binding(0) var<uniform> dm_zero: u32;

// a * b, never fused into an FMA with the add it feeds (see above).
fn dm_mul(a: f32, b: f32) -> f32 {
  return bitcast<f32>(bitcast<u32>(a * b) ^ dm_zero);
}

const DM_LOG2E: f32 = 1.44269502; // f32(1 / ln 2)
// ln 2 = DM_LN2_HI + DM_LN2_LO (Cody-Waite): DM_LN2_HI has 16 significant bits, so n * DM_LN2_HI is
// exact for |n| < 256.
const DM_LN2_HI: f32 = 0.693145751953125;
const DM_LN2_LO: f32 = 0x1.7f7d1cp-20;
// round(ln 2 * 2^31) = DM_LN2_Q31_HI * 2^16 + DM_LN2_Q31_LO.
const DM_LN2_Q31_HI: i32 = 22713;
const DM_LN2_Q31_LO: i32 = 3068;

// a * b / 2^31, within 3 units of the floor, from 16-bit halves (WGSL has no 32 x 32 -> 64 multiply;
// each partial product fits an i32; the low x low product, under 2 units, is dropped).
fn dm_mulq(a: i32, b: i32) -> i32 {
  let ah = a >> 16u;
  let al = a & 0xffff;
  let bh = b >> 16u;
  let bl = b & 0xffff;
  return ((ah * bh) << 1u) + ((ah * bl) >> 15u) + ((al * bh) >> 15u);
}

// Bits of the f32 nearest to m * 2^e (m > 0; ties away from zero) with sign bit `sign`: a signed zero
// below 2^-126 (no subnormals), infinity above the largest f32. A rounding carry into bit 24 moves
// into the exponent field by itself. Branch-free, like det_exp: a branch inside a kernel's inner loop
// made lavapipe's compiled code ~80x slower.
fn dm_pack(m: u32, e: i32, sign: u32) -> u32 {
  let top = 31 - i32(countLeadingZeros(m));
  let mant = select(m << u32(max(23 - top, 0)), ((m >> u32(max(top - 24, 0))) + 1u) >> 1u, top > 23);
  let biased = top + e + 127;
  let bits = (u32(max(biased, 1) - 1) << 23u) + mant;
  return sign | select(select(bits, 0x7f800000u, biased >= 255), 0u, biased <= 0);
}

// e^x, within 1 ULP. x = n ln 2 + r with |r| <= ln 2 / 2; e^r = 1 + r + r^2 q(r), q a degree-4
// minimax fit of (e^r - 1 - r) / r^2, in f32; then 2^n is added to the exponent field. The rounding
// error of r's low part is left out of the linear term: s = (x - n DM_LN2_HI) + (r^2 q - n DM_LN2_LO).
// Branch-free: a branch inside a kernel's inner loop made lavapipe's compiled code ~80x slower.
fn det_exp(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  let a = b & 0x7fffffffu;
  let inRange = a < 0x42c00000u; // |x| < 96; outside: +inf, 0, or NaN, chosen at the end
  let xr = select(0.0, x, inRange);
  let n = round(xr * DM_LOG2E);
  let rh = xr - n * DM_LN2_HI; // exact product
  let lo = dm_mul(n, DM_LN2_LO);
  let r = rh - lo;
  var q = 0x1.6db3eap-10;
  q = dm_mul(q, r) + 0x1.123b4ap-7;
  q = dm_mul(q, r) + 0x1.55545ep-5;
  q = dm_mul(q, r) + 0x1.55548ep-3;
  q = dm_mul(q, r) + 0.5;
  let f = 1.0 + (rh + (dm_mul(r * r, q) - lo));
  // f in [0.70, 1.42] * 2^n: add n to its exponent field (126 or 127); below 2^-126 a zero, above
  // the largest f32 infinity.
  let ni = i32(n);
  let fb = bitcast<u32>(f);
  let e = i32(fb >> 23u) + ni;
  let scaled = select(select(fb + (u32(ni) << 23u), 0x7f800000u, e >= 255), 0u, e <= 0);
  let outside = select(select(0u, 0x7f800000u, b == a), b, a > 0x7f800000u);
  return bitcast<f32>(select(outside, scaled, inRange));
}

fn det_exp4(v: vec4f) -> vec4f {
  return vec4f(det_exp(v.x), det_exp(v.y), det_exp(v.z), det_exp(v.w));
}

// ln x, within 2 ULP; ln 0 = -inf (also for subnormal x), NaN for x < 0. x = 2^e m with
// m in [sqrt(1/2), sqrt 2), ln m = 2 atanh(s), s = (m - 1) / (m + 1) by integer long division,
// atanh(s) / s from its series in s^2 in fixed point; then e ln 2 + ln m in a fixed point sized to e.
fn det_log(x: f32) -> f32 {
  let b = bitcast<u32>(x);
  let field = (b >> 23u) & 0xffu;
  if (field == 0u) {
    return bitcast<f32>(0xff800000u | (b & 0x80000000u)); // ±0, subnormal: -inf
  }
  if (b >= 0x80000000u) {
    return bitcast<f32>(0x7fc00000u | (b & 0x7fffffu)); // negative: NaN
  }
  if (field == 0xffu) {
    return x; // +inf, NaN
  }
  var e = i32(field) - 127;
  var mq = (b & 0x7fffffu) | 0x800000u; // m * 2^23, m in [1, 2)
  if (mq > 11863283u) {
    e += 1; // m / 2 in [sqrt(1/2), 1): mq is m * 2^24 already
  } else {
    mq <<= 1u;
  }
  let num = i32(mq) - 0x1000000; // (m - 1) * 2^24
  if (num == 0 && e == 0) {
    return 0.0;
  }
  let den = mq + 0x1000000u; // (m + 1) * 2^24, in [1.7, 2.5) * 2^24
  let an = u32(abs(num));
  let shN = countLeadingZeros(an) - 8u; // an << shN in [2^23, 2^24): s keeps its precision near x = 1
  // q = floor((an << shN) * 2^30 / den), 6 bits per step (rem << 6 < 2^32); s = q * 2^-(30 + shN).
  var rem = an << shN;
  var q = 0u;
  for (var i = 0u; i < 5u; i++) {
    let t = rem << 6u;
    let d = t / den;
    rem = t - d * den;
    q = (q << 6u) | d;
  }
  let sq = i32(q >> (shN - 1u)); // s * 2^31, |s| <= 0.1716
  let z = dm_mulq(sq, sq); // s^2 * 2^31
  var p = 97612893; // 2^30 / 11
  p = dm_mulq(p, z) + 119304647;
  p = dm_mulq(p, z) + 153391689;
  p = dm_mulq(p, z) + 214748365;
  p = dm_mulq(p, z) + 357913941;
  p = dm_mulq(p, z) + 1073741824; // atanh(s) / s * 2^30 = (1 + s^2/3 + s^4/5 + ...) * 2^30
  let u = u32(dm_mulq(i32(q), p)); // |ln m| = 2 |s| p 2^-30 = u * 2^-(28 + shN)
  let lnSign = select(0u, 0x80000000u, num < 0);
  if (e == 0) {
    return bitcast<f32>(dm_pack(u, -28 - i32(shN), lnSign));
  }
  // |e| in [2^k, 2^(k+1)): |e ln 2 + ln m| < 2^(k+1), held with F = 29 - k fraction bits (5 bits
  // finer than its ULP); |e| ln 2 * 2^F from the two halves of ln 2 * 2^31.
  let ae = abs(e);
  let k = 31 - i32(countLeadingZeros(u32(ae)));
  let sh = u32(k + 2);
  let eln2 = ((ae * DM_LN2_Q31_HI) << (16u - sh)) + ((ae * DM_LN2_Q31_LO) >> sh);
  let lnm = i32(u >> min(shN + u32(k) - 1u, 31u));
  // The result has the sign of e; ln m adds to its magnitude when it has the same sign.
  let mag = select(eln2 - lnm, eln2 + lnm, (num < 0) == (e < 0));
  return bitcast<f32>(dm_pack(u32(mag), k - 29, select(0u, 0x80000000u, e < 0)));
}
