// Host side of shaders/reduce.wgsl: fixed-order (deterministic) sum, max and sum of squares, and of
// shaders/reduce_subgroup.wgsl, the max through subgroup operations (the same bits).
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/reduce.wgsl';
import subgroupSource from '../../shaders/reduce_subgroup.wgsl';
import { bindingWindows, grid2d } from './grid.js';

const kernel: Kernel = { name: 'reduce', source, entry: 'reduce_rows' };
// The subgroup entry first: its `enable subgroups;` must open the module.
const subgroupKernel: Kernel = {
  name: 'reduce_subgroup',
  source: `${subgroupSource}\n${source}`,
  entry: 'reduce_max_subgroup',
};
export type ReduceOp = 'sum' | 'max' | 'sumsq';
const OPS: Record<ReduceOp, number> = { sum: 0, max: 1, sumsq: 2 };

/** How a max is reduced: the workgroup tree, or subgroupMax (adapters with `subgroups`). Sums always take the tree. */
export const MAX_VARIANTS = ['tree', 'subgroup'] as const;
export type MaxVariant = (typeof MAX_VARIANTS)[number];
let maxVariant: MaxVariant = 'tree';

/** The max variant reduceRows uses from now on (ts/ops/reduce_select.ts chooses it per device). */
export function setMaxVariant(v: MaxVariant): void {
  maxVariant = v;
}
/** Elements per row in the first pass of reduceAll. */
export const CHUNK = 4096;

/**
 * out[r] = op over x[r * cols .. r * cols + cols) (elements at or past n skipped). A max takes
 * `variant` (default: the one set by setMaxVariant); the subgroup one needs the device's `subgroups`.
 */
export function reduceRows(
  op: ReduceOp,
  x: Binding,
  out: Binding,
  rows: number,
  cols: number,
  n = rows * cols,
  variant: MaxVariant = maxVariant,
): Dispatch {
  return {
    kernel: op === 'max' && variant === 'subgroup' ? subgroupKernel : kernel,
    constants: { OP: OPS[op] },
    buffers: [x, out],
    params: new Params(4).u32(rows).u32(cols).u32(n).pad().words,
    workgroups: grid2d(rows),
  };
}

/**
 * Reduces n elements to out[0] in two passes (chunks of CHUNK, then the partials); `partials`
 * must hold ceil(n / CHUNK) floats. Sum of squares combines its partials by plain sum.
 */
export function reduceAll(op: ReduceOp, x: Binding, partials: Binding, out: Binding, n: number): Dispatch[] {
  const rows = Math.ceil(n / CHUNK);
  return [
    reduceRows(op, x, partials, rows, CHUNK, n),
    reduceRows(op === 'max' ? 'max' : 'sum', partials, out, 1, rows),
  ];
}

/**
 * reduceAll for a buffer larger than one binding: windows of whole CHUNK rows (their partials land
 * 256-byte aligned), each reduced on its own, then all partials together.
 */
export function reduceAllWindowed(
  op: ReduceOp,
  x: GPUBuffer,
  partials: GPUBuffer,
  out: Binding,
  n: number,
  maxBindingBytes: number,
): Dispatch[] {
  const rowsPer = CHUNK * 64; // elements per window granule: 64 partials, 256 bytes
  const list: Dispatch[] = [];
  for (const w of bindingWindows(n, maxBindingBytes, rowsPer)) {
    const rows = Math.ceil(w.len / CHUNK);
    const at = w.start / CHUNK;
    list.push(
      reduceRows(
        op,
        { buffer: x, offset: w.start * 4, size: w.len * 4 },
        { buffer: partials, offset: at * 4, size: rows * 4 },
        rows,
        CHUNK,
        w.len,
      ),
    );
  }
  list.push(reduceRows(op === 'max' ? 'max' : 'sum', partials, out, 1, Math.ceil(n / CHUNK)));
  return list;
}

/** Convenience: the reduction of a whole buffer, read back. */
export async function reduceToScalar(gpu: Gpu, op: ReduceOp, x: Binding, n: number): Promise<number> {
  const partials = gpu.buffer(Math.ceil(n / CHUNK) * 4, 'reduce partials');
  const out = gpu.buffer(4, 'reduce out');
  await gpu.run(reduceAll(op, x, partials, out, n));
  const [v] = await gpu.read(out, Float32Array, 1);
  partials.destroy();
  out.destroy();
  return v;
}
