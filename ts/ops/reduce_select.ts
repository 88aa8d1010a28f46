// Which max reduction a device runs (ts/ops/reduce.ts): forced (GpuOptions.kernels.reduce), else the
// workgroup tree where the device lacks the `subgroups` feature, else the faster of the tree and
// subgroupMax in a short trial, cached per adapter (variant_trial.ts). Both give the same bits
// (test/gpu/reduce-subgroup.test.ts), so the choice changes speed, not results. Never by vendor name.
import type { Gpu } from '../gpu/device.js';
import { CHUNK, MAX_VARIANTS, reduceRows, setMaxVariant, type MaxVariant } from './reduce.js';
import { fastestVariant, type TrialChoice } from './variant_trial.js';

export interface MaxChoice {
  variant: MaxVariant;
  how: 'forced' | 'no-subgroups' | TrialChoice<MaxVariant>['how'];
  trialMs?: Partial<Record<MaxVariant, number>>;
}

/** Whether the device was opened with subgroup operations (ts/gpu/device.ts asks for them where offered). */
export function hasSubgroups(gpu: Gpu): boolean {
  return gpu.device.features.has('subgroups');
}

/** Chooses the device's max variant for rows of `cols` (see the header), makes it the one in use, records it. */
export async function selectMaxReduce(gpu: Gpu, rows = 256, cols = CHUNK): Promise<MaxChoice> {
  const choice = await choose(gpu, rows, cols);
  setMaxVariant(choice.variant);
  gpu.kernels.reduce = choice.variant;
  return choice;
}

async function choose(gpu: Gpu, rows: number, cols: number): Promise<MaxChoice> {
  const forced = gpu.forced.reduce as MaxVariant | undefined;
  if (forced) {
    if (!MAX_VARIANTS.includes(forced)) {
      throw new Error(`reduce variant '${forced}' is unknown; use one of ${MAX_VARIANTS.join(', ')}`);
    }
    if (forced === 'subgroup' && !hasSubgroups(gpu)) {
      throw new Error(`reduce variant 'subgroup' needs the 'subgroups' feature, which ${gpu.adapterName} lacks`);
    }
    return { variant: forced, how: 'forced' };
  }
  if (!hasSubgroups(gpu)) return { variant: 'tree', how: 'no-subgroups' };
  return fastestVariant(gpu, { family: 'reduce-max', rows, cols }, [...MAX_VARIANTS], () => {
    const x = gpu.buffer(rows * cols * 4, 'reduce trial x');
    const out = gpu.buffer(rows * 4, 'reduce trial out');
    return {
      dispatches: (v) => [reduceRows('max', x, out, rows, cols, rows * cols, v)],
      release: () => [x, out].forEach((b) => b.destroy()),
    };
  });
}
