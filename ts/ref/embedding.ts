// Plain reference of shaders/embedding.wgsl (f64), for tests. The backward scans the tokens
// directly, independent of the host's grouping.

export function refEmbedding(ids: ArrayLike<number>, table: ArrayLike<number>, D: number): Float64Array {
  const out = new Float64Array(ids.length * D);
  for (let t = 0; t < ids.length; t++) for (let d = 0; d < D; d++) out[t * D + d] = table[ids[t] * D + d];
  return out;
}

/** dTable = prior + Σ_t onehot(ids[t]) ⊗ dOut[t, :] ([V, D]). */
export function refEmbeddingBackward(
  ids: ArrayLike<number>,
  dOut: ArrayLike<number>,
  V: number,
  D: number,
  prior?: ArrayLike<number>,
): Float64Array {
  const dTable = prior ? Float64Array.from(prior) : new Float64Array(V * D);
  for (let t = 0; t < ids.length; t++) for (let d = 0; d < D; d++) dTable[ids[t] * D + d] += dOut[t * D + d];
  return dTable;
}
