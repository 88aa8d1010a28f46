// Plain reference of shaders/rmsnorm.wgsl (f64), for tests.

export interface RefRmsNorm {
  y: Float64Array;
  rstd: Float64Array;
}

export function refRmsNorm(x: ArrayLike<number>, w: ArrayLike<number>, T: number, D: number, eps: number): RefRmsNorm {
  const y = new Float64Array(T * D);
  const rstd = new Float64Array(T);
  for (let t = 0; t < T; t++) {
    let ss = 0;
    for (let d = 0; d < D; d++) ss += x[t * D + d] ** 2;
    const r = 1 / Math.sqrt(ss / D + eps);
    rstd[t] = r;
    for (let d = 0; d < D; d++) y[t * D + d] = x[t * D + d] * r * w[d];
  }
  return { y, rstd };
}

/** dx and dw of Σ dy ⊙ y; `priorDx` / `priorDw` are added when given (the kernels' accumulate). */
export function refRmsNormBackward(
  x: ArrayLike<number>,
  w: ArrayLike<number>,
  dy: ArrayLike<number>,
  T: number,
  D: number,
  eps: number,
  prior: { dx?: ArrayLike<number>; dw?: ArrayLike<number> } = {},
): { dx: Float64Array; dw: Float64Array } {
  const { rstd } = refRmsNorm(x, w, T, D, eps);
  const dx = prior.dx ? Float64Array.from(prior.dx) : new Float64Array(T * D);
  const dw = prior.dw ? Float64Array.from(prior.dw) : new Float64Array(D);
  for (let t = 0; t < T; t++) {
    const r = rstd[t];
    let dot = 0;
    for (let d = 0; d < D; d++) dot += dy[t * D + d] * w[d] * x[t * D + d];
    for (let d = 0; d < D; d++) {
      const i = t * D + d;
      dx[i] += r * dy[i] * w[d] - (x[i] * r ** 3 * dot) / D;
      dw[d] += dy[i] * x[i] * r;
    }
  }
  return { dx, dw };
}
