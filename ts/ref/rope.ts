// Plain reference of shaders/rope.wgsl (f64 arithmetic on the host's f32 table), for tests.

/**
 * The rotation table in f64, [positions, headDim] in ropeTable's layout: row p holds cos(p·θ^(-2i/hd))
 * for i < headDim/2, then the sines. Exact angles, computed here so the reference model does not
 * lean on the fast path's table (which rounds the angle to f32 as HF does).
 */
export function refRopeTable(positions: number, headDim: number, theta: number): Float64Array {
  const half = headDim / 2;
  const out = new Float64Array(positions * headDim);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < half; i++) {
      const angle = p * Math.pow(theta, -i / half);
      out[p * headDim + i] = Math.cos(angle);
      out[p * headDim + half + i] = Math.sin(angle);
    }
  }
  return out;
}

/**
 * One tensor x [T, heads·headDim] rotated by the table (ropeTable layout); `inverse` applies the
 * transposed rotation, which is also the backward of the forward.
 */
export function refRope(
  x: ArrayLike<number>,
  table: ArrayLike<number>,
  T: number,
  S: number,
  heads: number,
  headDim: number,
  offset = 0,
  inverse = false,
): Float64Array {
  const out = new Float64Array(T * heads * headDim);
  const half = headDim / 2;
  for (let t = 0; t < T; t++) {
    const row = (offset + (t % S)) * headDim;
    for (let h = 0; h < heads; h++) {
      const base = (t * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const c = table[row + i];
        const s = inverse ? -table[row + half + i] : table[row + half + i];
        const x1 = x[base + i],
          x2 = x[base + half + i];
        out[base + i] = x1 * c - x2 * s;
        out[base + half + i] = x2 * c + x1 * s;
      }
    }
  }
  return out;
}
