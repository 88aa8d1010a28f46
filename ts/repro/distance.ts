// How far a kernel's f32 output is from its float64 reference: ULP distance (to the reference
// rounded to f32) and relative error, plus the hash that says whether two outputs are the same bits.

/** Stands for "not even the same kind of number" (NaN against a number, or a NaN reference): 2^32. */
export const ULP_MISMATCH = 2 ** 32;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The f32 `x` as an integer that orders like the float (-0 and +0 both 0), so ULPs are differences. */
function ordered(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  return bits & 0x80000000 ? -(bits & 0x7fffffff) : bits;
}

/** ULPs of f32 between `got` and `want` rounded to f32; ULP_MISMATCH where either is NaN (unless both are). */
export function ulpDistance(got: number, want: number): number {
  if (Number.isNaN(got) || Number.isNaN(want)) return Number.isNaN(got) && Number.isNaN(want) ? 0 : ULP_MISMATCH;
  return Math.min(ULP_MISMATCH, Math.abs(ordered(got) - ordered(Math.fround(want))));
}

export interface Distance {
  /** Largest ULP distance of an element (integer outputs: largest absolute difference). */
  maxUlp: number;
  /**
   * max |got - want| / max |want| over the elements: relative to the output's scale, so elements
   * near zero do not dominate. ULP_MISMATCH where an element is NaN against a number.
   */
  maxRelError: number;
}

export function distance(got: ArrayLike<number>, want: ArrayLike<number>, integer = false): Distance {
  if (got.length !== want.length) throw new Error(`distance: ${got.length} outputs against ${want.length} references`);
  let maxUlp = 0,
    maxErr = 0,
    scale = 0;
  for (let i = 0; i < want.length; i++) {
    const d = integer ? Math.abs(got[i] - want[i]) : ulpDistance(got[i], want[i]);
    maxUlp = Math.max(maxUlp, Number.isNaN(d) ? ULP_MISMATCH : d);
    const e = Math.abs(got[i] - want[i]);
    maxErr = Number.isNaN(e) ? Infinity : Math.max(maxErr, e);
    scale = Math.max(scale, Math.abs(want[i]));
  }
  const rel = maxErr === 0 ? 0 : maxErr / (scale || 1);
  return { maxUlp, maxRelError: Number.isFinite(rel) ? rel : ULP_MISMATCH };
}
