// Checks a kernel variant against its family's CPU reference and times it. Used by run.ts
// (`npm run bench:kernels`) and by test/gpu/kernels.test.ts (the check only).
import type { Gpu } from '../../ts/gpu/index.js';
import { poisoned, worstRatio } from '../../test/gpu/setup.js';
import { rng } from '../../test/util/random.js';
import { seconds } from '../timing.js';
import type { Family, Variant } from './family.js';

/** A variant's inputs on the GPU and its output buffer, poisoned with NaN before each check. */
export interface Prepared<S> {
  family: Family<S>;
  variant: Variant<S>;
  shape: S;
  host: Float32Array[];
  inputs: GPUBuffer[];
  output: GPUBuffer;
}

export interface CheckResult {
  ok: boolean;
  /** Worst |got - want| / tolerance over the checked elements (<= 1 passes; Infinity for NaN). */
  worst: number;
  /** The output element the check failed at, when it failed. */
  detail?: string;
}

/** Fresh random inputs (from `seed`) uploaded, and a NaN-filled output buffer. */
export function prepare<S>(gpu: Gpu, family: Family<S>, variant: Variant<S>, shape: S, seed: number): Prepared<S> {
  const host = family.inputs(shape, rng(seed));
  const inputs = host.map((h, i) => gpu.upload(h, `${family.name} input ${i}`));
  return { family, variant, shape, host, inputs, output: poisoned(gpu, family.outputLength(shape), `${family.name} output`) };
}

export function release(p: Prepared<unknown>): void {
  for (const b of [...p.inputs, p.output]) b.destroy();
}

/** Runs the variant once and compares its output with the reference; any element left NaN fails. */
export async function check<S>(gpu: Gpu, p: Prepared<S>): Promise<CheckResult> {
  await gpu.run(p.variant.dispatch(p.shape, p.inputs, p.output));
  const got = await gpu.read(p.output, Float32Array, p.family.outputLength(p.shape));
  const unwritten = got.findIndex(Number.isNaN);
  if (unwritten >= 0) return { ok: false, worst: Infinity, detail: `output element ${unwritten} is NaN (not written?)` };
  const e = p.family.expected(p.shape, p.host);
  const { ratio, at } = worstRatio(Array.from(e.index, (i) => got[i]), e.want, (i) => e.tol[i]);
  if (ratio <= 1) return { ok: true, worst: ratio };
  const i = e.index[at];
  return { ok: false, worst: ratio, detail: `output element ${i}: got ${got[i]}, want ${e.want[at]} (tolerance ${e.tol[at].toExponential(2)})` };
}

/** Median milliseconds of `reps` runs after a warm-up. */
export async function time<S>(gpu: Gpu, p: Prepared<S>, reps: number): Promise<number> {
  return 1000 * (await seconds(gpu, p.variant.dispatch(p.shape, p.inputs, p.output), reps));
}
