// f32 -> f16 rounding (to nearest, ties to even), as a number: the reference of shaders/cast.wgsl.
/** x rounded to the nearest f16 value (|x| within f16's range, 65504). */
export function refRoundF16(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--; // log2 rounded up just below a power of two
  const q = 2 ** (Math.max(e, -14) - 10); // the spacing of f16 values at a (subnormals: 2^-24)
  const r = a / q;
  const f = Math.floor(r);
  const n = r - f > 0.5 || (r - f === 0.5 && f % 2 === 1) ? f + 1 : f;
  return Math.sign(x) * n * q;
}
