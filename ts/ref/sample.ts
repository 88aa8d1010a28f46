// References of shaders/sample.wgsl, for tests. refSampleRow and friends: plain f64, sorting-based sets
// (the same counter-based uniform, exact integer math; the kept set by its definition; inverse-CDF
// draw in column order). sampleRowF32: a bit-exact model of the kernel (its f32 sums in its order).
import { detExp, detLog, f32Bits } from './detmath.js';

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

/** Chunks per row of shaders/sample.wgsl (NC): the sums' order depends on it, not on the workgroup size. */
export const SAMPLE_CHUNKS = 64;

/** A row's draw as the kernel decides it, with the intermediate values that decide it. */
export interface SampleTrace {
  token: number;
  logprob: number;
  /** The row's max logit. */
  max: number;
  /** Σ weights over the vocabulary (the log-probability's normaliser). */
  full: number;
  /** Order key of the smallest kept value (0: all kept). */
  thr: number;
  /** Σ weights over the kept set. */
  kept: number;
  /** uniform × kept: where the inverse CDF cuts. */
  goal: number;
}

/** Order-preserving map of an f32 to a u32 (the shader's orderKey). */
function orderKey(x: number): number {
  const b = f32Bits(x);
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

/**
 * Bit-exact model of shaders/sample.wgsl for one row `z` of `stride` f32 logits (columns from `vocab`
 * on are padding): every f32 operation rounded as the kernel rounds it, every sum in the kernel's
 * order (column order within each of SAMPLE_CHUNKS chunks, then chunk order), det_exp and det_log.
 * Tests compare the GPU with it bit for bit; refSampleRow says what it should approximate.
 */
export function sampleRowF32(
  z: ArrayLike<number>,
  vocab: number,
  stride: number,
  o: SampleOptions,
  u: number,
): SampleTrace {
  const fr = Math.fround;
  let M = 0,
    A = -1;
  for (let j = 0; j < vocab; j++) if (A < 0 || z[j] > M) [M, A] = [z[j], j];
  const T = fr(o.temperature) > 0 ? fr(o.temperature) : 1;
  const w = Array.from({ length: vocab }, (_, j) => detExp(fr(fr(z[j] - M) / T)));
  const key = Array.from({ length: vocab }, (_, j) => orderKey(z[j]));
  // Column bounds of each chunk (the kernel cuts vec4 columns; padding is never summed).
  const c = Math.ceil(stride / 4 / SAMPLE_CHUNKS) * 4;
  const chunkSums = (keep: (j: number) => boolean) =>
    Array.from({ length: SAMPLE_CHUNKS }, (_, q) => {
      let s = 0;
      for (let j = q * c; j < Math.min(q * c + c, vocab); j++) if (keep(j)) s = fr(s + w[j]);
      return s;
    });
  const fold = (parts: number[]) => parts.reduce((s, p) => fr(s + p), 0);
  // The largest key t of a kept column whose mass(key >= t) reaches goal (mass is monotone in t).
  const search = (floor: number, mass: (t: number) => number, goal: number) => {
    const keys = [...new Set(key.filter((k) => k >= floor))].sort((a, b) => b - a);
    let lo = 0,
      hi = keys.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (mass(keys[mid]) >= goal) hi = mid;
      else lo = mid + 1;
    }
    return keys[lo];
  };
  const full = fold(chunkSums(() => true));
  const greedy = !(fr(o.temperature) > 0);
  const logprob = (j: number) => fr(fr(fr(z[j] - M) / T) - detLog(full));
  if (greedy) return { token: A, logprob: logprob(A), max: M, full, thr: 0, kept: full, goal: 0 };
  const k = o.topK ?? 0,
    p = fr(o.topP ?? 1);
  let thr = 0;
  if (k > 0 && k < vocab) thr = search(0, (t) => key.filter((x) => x >= t).length, k);
  if (p < 1) {
    const floor = thr;
    const goal = fr(p * fold(chunkSums((j) => key[j] >= floor)));
    thr = search(floor, (t) => fold(chunkSums((j) => key[j] >= Math.max(t, floor))), goal);
  }
  const parts = chunkSums((j) => key[j] >= thr);
  const kept = fold(parts);
  const goal = fr(u * kept);
  let q = 0,
    before = 0;
  while (q < SAMPLE_CHUNKS && !(goal < fr(before + parts[q]))) before = fr(before + parts[q++]);
  let s = 0;
  for (let j = q * c; j < vocab; j++) {
    if (key[j] < thr) continue;
    s = fr(s + w[j]);
    if (fr(before + s) > goal) return { token: j, logprob: logprob(j), max: M, full, thr, kept, goal };
  }
  throw new Error('sampleRowF32: the cut lies past the kept mass (unreachable: u < 1)');
}
