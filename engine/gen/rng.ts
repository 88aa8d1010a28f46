// SplitMix64 streams keyed by (seed, index): problem `index` of a seed can be regenerated alone, in
// any order, and gives the same bytes wherever the WebAssembly runs (no floats in the state).
function mix64(v: u64): u64 {
  let z = v;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

export class Rng {
  private state: u64;

  constructor(seed: u64, index: u64) {
    this.state = mix64(seed ^ mix64(index + 0x632be59bd9b4e019));
  }

  next(): u64 {
    this.state += 0x9e3779b97f4a7c15;
    return mix64(this.state);
  }

  /** Uniform integer in [0, n), n >= 1. */
  below(n: i32): i32 {
    return <i32>(((this.next() >>> 32) * <u64>n) >>> 32);
  }

  /** Uniform integer in [lo, hi]. */
  range(lo: i32, hi: i32): i32 {
    return lo + this.below(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: f64): bool {
    return <f64>(this.next() >>> 11) * 1.1102230246251565e-16 < p;
  }
}
