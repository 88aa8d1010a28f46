// Plain reference of shaders/sample.wgsl (f64, sorting-based sets), for tests: the same counter-based
// uniform (exact integer math), the kept set by its definition, inverse-CDF draw in column order.

/** The shader's PCG-style 4D hash (Jarzynski & Olano 2020), one round, on u32 lanes. */
function pcg4d(v: number[]): number[] {
  const [a, b, c, d] = v.map((x) => (Math.imul(x, 1664525) + 1013904223) >>> 0);
  let x = a,
    y = b,
    z = c,
    w = d;
  const mix = () => {
    x = (x + Math.imul(y, w)) >>> 0;
    y = (y + Math.imul(z, x)) >>> 0;
    z = (z + Math.imul(x, y)) >>> 0;
    w = (w + Math.imul(y, z)) >>> 0;
  };
  mix();
  [x, y, z, w] = [x, y, z, w].map((q) => (q ^ (q >>> 16)) >>> 0);
  mix();
  return [x, y, z, w];
}

/** The uniform of row `row` at `step`: in [0, 1 - 2^-23] on a 2^-23 grid (bit-identical to the shader). */
export function sampleUniform(seed: number, step: number, row: number): number {
  return (pcg4d(pcg4d([seed >>> 0, step >>> 0, row >>> 0, 0x9e3779b9]))[0] >>> 9) * 2 ** -23;
}

export interface SampleOptions {
  /** 0 = greedy. */
  temperature: number;
  topK?: number;
  topP?: number;
}

/** log_softmax(z / T)[j] over all of z (T = 1 when T <= 0). */
export function refLogprob(z: ArrayLike<number>, j: number, temperature: number): number {
  const T = temperature > 0 ? temperature : 1;
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) m = Math.max(m, z[i]);
  let s = 0;
  for (let i = 0; i < z.length; i++) s += Math.exp((z[i] - m) / T);
  return (z[j] - m) / T - Math.log(s);
}

/**
 * Which columns may be drawn: top-k keeps a value when fewer than k values are strictly larger;
 * top-p then keeps a value when the top-k-kept mass strictly above it is below topP of their total.
 */
export function refKeptSet(z: ArrayLike<number>, o: SampleOptions): boolean[] {
  const V = z.length,
    T = o.temperature > 0 ? o.temperature : 1,
    k = o.topK ?? 0,
    p = o.topP ?? 1;
  const order = Array.from({ length: V }, (_, i) => i).sort((a, b) => z[b] - z[a]);
  const kept = new Array<boolean>(V).fill(true);
  if (k > 0 && k < V) for (const i of order) kept[i] = order.filter((j) => z[j] > z[i]).length < k;
  if (p < 1) {
    const m = z[order[0]];
    const w = (i: number) => (kept[i] ? Math.exp((z[i] - m) / T) : 0);
    const total = order.reduce((s, i) => s + w(i), 0);
    const above = order.map((i) => order.reduce((s, j) => s + (z[j] > z[i] ? w(j) : 0), 0));
    order.forEach((i, r) => (kept[i] &&= above[r] < p * total));
  }
  return kept;
}

/** softmax(z / T) over the kept set (zeros elsewhere); greedy: one-hot at the first argmax. */
export function refKeptProbs(z: ArrayLike<number>, o: SampleOptions): Float64Array {
  const V = z.length,
    probs = new Float64Array(V);
  let m = -Infinity,
    a = 0;
  for (let i = 0; i < V; i++) if (z[i] > m) [m, a] = [z[i], i];
  if (!(o.temperature > 0)) {
    probs[a] = 1;
    return probs;
  }
  const kept = refKeptSet(z, o);
  let s = 0;
  for (let i = 0; i < V; i++) s += probs[i] = kept[i] ? Math.exp((z[i] - m) / o.temperature) : 0;
  return probs.map((x) => x / s);
}

/**
 * The draw for uniform u: the first column whose cumulative kept probability exceeds u; `margin` is
 * the distance of u from the nearest cumulative boundary (f32 sums may decide otherwise within it).
 */
export function refSampleRow(
  z: ArrayLike<number>,
  o: SampleOptions,
  u: number,
): { token: number; logprob: number; margin: number } {
  const probs = refKeptProbs(z, o);
  let cum = 0,
    token = -1,
    margin = Infinity;
  for (let i = 0; i < probs.length; i++) {
    if (!probs[i]) continue;
    const next = cum + probs[i];
    if (token < 0 && next > u) token = i;
    margin = Math.min(margin, Math.abs(next - u));
    cum = next;
  }
  if (!(o.temperature > 0)) margin = Infinity;
  return { token, logprob: refLogprob(z, token, o.temperature), margin };
}
