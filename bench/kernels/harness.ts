// Checks a kernel variant against its family's CPU reference and times it. Used by run.ts
// (`npm run bench:kernels`) and by test/gpu/kernels.test.ts (the check only).
import type { Gpu } from '../../ts/gpu/index.js';
import { poisoned, worstRatio } from '../../test/gpu/setup.js';
import { rng } from '../../test/util/random.js';
import { medianSeconds as seconds } from '../../ts/gpu/timing.js';
import type { Family, Variant } from './family.js';

/** A variant's inputs on the GPU and its output buffers, poisoned with NaN. */
export interface Prepared<S> {
  family: Family<S>;
  variant: Variant<S>;
  shape: S;
  host: Float32Array[];
  inputs: GPUBuffer[];
  outputs: GPUBuffer[];
}

export interface CheckResult {
  ok: boolean;
  /** Worst |got - want| / tolerance over the checked elements (<= 1 passes; Infinity for NaN). */
  worst: number;
  /** The output element the check failed at, when it failed. */
  detail?: string;
}

/** Fresh random inputs (from `seed`) uploaded, and NaN-filled output buffers. */
export function prepare<S>(gpu: Gpu, family: Family<S>, variant: Variant<S>, shape: S, seed: number): Prepared<S> {
  const host = family.inputs(shape, rng(seed));
  const inputs = host.map((h, i) => gpu.upload(h, `${family.name} input ${i}`));
  const outputs = family.outputLengths(shape).map((n, i) => poisoned(gpu, n, `${family.name} output ${i}`));
  return { family, variant, shape, host, inputs, outputs };
}

export function release(p: Prepared<unknown>): void {
  for (const b of [...p.inputs, ...p.outputs]) b.destroy();
}

/** Runs the variant once and compares its outputs with the reference; any element left NaN fails. */
export async function check<S>(gpu: Gpu, p: Prepared<S>): Promise<CheckResult> {
  await gpu.run(p.variant.dispatch(p.shape, p.inputs, p.outputs));
  const lengths = p.family.outputLengths(p.shape);
  const got = await Promise.all(p.outputs.map((b, i) => gpu.read(b, Float32Array, lengths[i])));
  const expected = p.family.expected(p.shape, p.host);
  let worst = 0;
  for (const [o, e] of expected.entries()) {
    const unwritten = got[o].findIndex(Number.isNaN);
    if (unwritten >= 0) {
      return { ok: false, worst: Infinity, detail: `${e.name} element ${unwritten} is NaN (not written?)` };
    }
    const { ratio, at } = worstRatio(
      Array.from(e.index, (i) => got[o][i]),
      e.want,
      (i) => e.tol[i],
    );
    if (ratio > 1) {
      const i = e.index[at];
      const tolerance = e.tol[at].toExponential(2);
      const detail = `${e.name} element ${i}: got ${got[o][i]}, want ${e.want[at]} (tolerance ${tolerance})`;
      return { ok: false, worst: ratio, detail };
    }
    worst = Math.max(worst, ratio);
  }
  return { ok: true, worst };
}

/** Median milliseconds of `reps` runs after a warm-up. */
export async function time<S>(gpu: Gpu, p: Prepared<S>, reps: number): Promise<number> {
  return 1000 * (await seconds(gpu, p.variant.dispatch(p.shape, p.inputs, p.outputs), reps));
}
