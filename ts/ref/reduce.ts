// Plain reference of shaders/reduce.wgsl (f64), for tests.
import type { ReduceOp } from '../ops/reduce.js';

export function refReduceRows(
  op: ReduceOp,
  x: ArrayLike<number>,
  rows: number,
  cols: number,
  n = rows * cols,
): Float64Array {
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let acc = op === 'max' ? -Infinity : 0;
    for (let i = r * cols; i < Math.min((r + 1) * cols, n); i++) {
      acc = op === 'max' ? Math.max(acc, x[i]) : op === 'sumsq' ? acc + x[i] * x[i] : acc + x[i];
    }
    out[r] = acc;
  }
  return out;
}
