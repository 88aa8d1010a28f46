// Plain reference of shaders/kvcache.wgsl (f64), for tests.

/** cache[b, pos[b] + r, :] = rows[b*R + r, :] (rows past L dropped), on a copy of `cache`. */
export function refKvAppend(
  rows: ArrayLike<number>,
  pos: ArrayLike<number>,
  cache: ArrayLike<number>,
  B: number,
  R: number,
  L: number,
  width: number,
): Float64Array {
  const out = Float64Array.from(cache);
  for (let b = 0; b < B; b++) {
    for (let r = 0; r < R; r++) {
      const p = pos[b] + r;
      if (p >= L) continue;
      for (let c = 0; c < width; c++) out[(b * L + p) * width + c] = rows[(b * R + r) * width + c];
    }
  }
  return out;
}

/** One query row per sequence against cached keys/values 0 .. lens[b]-1; o [B, H*hd]. */
export function refKvDecode(
  q: ArrayLike<number>,
  k: ArrayLike<number>,
  v: ArrayLike<number>,
  lens: ArrayLike<number>,
  s: { B: number; H: number; KVH: number; hd: number; L: number },
): Float64Array {
  const { B, H, KVH, hd, L } = s;
  const o = new Float64Array(B * H * hd);
  const W = KVH * hd;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < H; h++) {
      const kv = Math.floor(h / (H / KVH));
      const n = Math.min(lens[b], L);
      const scores = new Float64Array(n);
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let c = 0; c < hd; c++) dot += q[(b * H + h) * hd + c] * k[(b * L + j) * W + kv * hd + c];
        scores[j] = dot / Math.sqrt(hd);
      }
      const mx = Math.max(...scores);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += scores[j] = Math.exp(scores[j] - mx);
      for (let j = 0; j < n; j++)
        for (let c = 0; c < hd; c++) o[(b * H + h) * hd + c] += (scores[j] / sum) * v[(b * L + j) * W + kv * hd + c];
    }
  }
  return o;
}
