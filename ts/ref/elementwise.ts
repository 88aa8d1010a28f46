// Plain reference of shaders/elementwise.wgsl, for tests.
import type { BinaryOp } from '../ops/elementwise.js';

export function refBinary(op: BinaryOp, a: ArrayLike<number>, b: ArrayLike<number>, alpha = 1, beta = 1): Float32Array {
  const f = Math.fround;
  return Float32Array.from({ length: a.length }, (_, i) => {
    switch (op) {
      case 'add':
        return f(a[i] + b[i]);
      case 'sub':
        return f(a[i] - b[i]);
      case 'mul':
        return f(a[i] * b[i]);
      case 'div':
        return f(a[i] / b[i]);
      case 'axpby':
        return f(f(f(alpha) * a[i]) + f(f(beta) * b[i]));
    }
  });
}
