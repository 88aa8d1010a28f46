// Plain reference of shaders/bias.wgsl (f64), for tests.

export function refBiasAdd(x: ArrayLike<number>, bias: ArrayLike<number>, T: number, N: number): Float64Array {
  return Float64Array.from({ length: T * N }, (_, i) => x[i] + bias[i % N]);
}

/** db = prior + Σ_t dy[t, :]. */
export function refBiasBackward(dy: ArrayLike<number>, T: number, N: number, prior?: ArrayLike<number>): Float64Array {
  const db = prior ? Float64Array.from(prior) : new Float64Array(N);
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) db[n] += dy[t * N + n];
  return db;
}
