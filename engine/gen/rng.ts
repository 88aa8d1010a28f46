// SplitMix64 streams keyed by (seed, index, cell): problem `index` of a seed can be regenerated alone,
// in any order, and gives the same bytes wherever the WebAssembly runs (integer state, no floats).
// `cell` (op, template and mode) is part of the key: without it the templates' problem i of a seed
// were one graph under three sets of names, a third of the variety a seed should give.
// One stream is live at a time (the generator draws one problem at a time).
let state: u64 = 0;
let spare = 0.0; // the second normal of the last polar draw
let hasSpare = false;

@inline
function mix64(v: u64): u64 {
  let z = v;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

export function seedStream(seed: u64, index: u64, cell: u64): void {
  hasSpare = false;
  state = mix64(seed ^ mix64(index + 0x632be59bd9b4e019) ^ mix64(cell + 0x2545f4914f6cdd1d));
}

@inline
export function next64(): u64 {
  state += 0x9e3779b97f4a7c15;
  return mix64(state);
}

/** Uniform integer in [0, n), n >= 1. */
@inline
export function below(n: i32): i32 {
  return <i32>(((next64() >>> 32) * <u64>n) >>> 32);
}

/** Uniform integer in [lo, hi]. */
@inline
export function range(lo: i32, hi: i32): i32 {
  return lo + below(hi - lo + 1);
}

/** True with probability p. */
@inline
export function chance(p: f64): bool {
  return uniform() < p;
}

/** Uniform in [0, 1), 53 bits. */
@inline
export function uniform(): f64 {
  return <f64>(next64() >>> 11) * 1.1102230246251565e-16;
}

/** Standard normal (Marsaglia's polar method: two per draw, the second kept for the next call). */
export function gauss(): f64 {
  if (hasSpare) {
    hasSpare = false;
    return spare;
  }
  let u = 0.0;
  let v = 0.0;
  let q = 0.0;
  do {
    u = 2.0 * uniform() - 1.0;
    v = 2.0 * uniform() - 1.0;
    q = u * u + v * v;
  } while (q >= 1.0 || q == 0.0);
  const f = Math.sqrt(-2.0 * Math.log(q) / q);
  spare = v * f;
  hasSpare = true;
  return u * f;
}
