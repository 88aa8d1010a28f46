// The f16 rounding reference (ts/ref/cast.ts) on hand-computed values: ties to even, subnormals.
import { describe, expect, it } from 'vitest';
import { refRoundF16 } from '../../ts/ref/cast.js';

describe('refRoundF16', () => {
  it('rounds to nearest f16, ties to even, through the subnormals', () => {
    const cases: [number, number][] = [
      [1 + 2 ** -11, 1], // halfway between 1 and 1 + 2^-10: the even one
      [1 + 3 * 2 ** -11, 1 + 2 ** -9], // halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even)
      [1 + 2 ** -11 + 2 ** -20, 1 + 2 ** -10], // just above halfway
      [0.1, 0.0999755859375], // f16's 0.1 (0x2E66)
      [-0.5, -0.5],
      [65504, 65504], // the largest f16
      [2 ** -24, 2 ** -24], // the smallest subnormal
      [2 ** -25, 0], // halfway between 0 and 2^-24: 0 (even)
      [3 * 2 ** -26, 2 ** -24],
      [2 ** -14 - 2 ** -30, 2 ** -14], // just below the smallest normal, spacing 2^-24
      [0, 0],
    ];
    for (const [x, want] of cases) expect(refRoundF16(x), String(x)).toBe(want);
  });
});
