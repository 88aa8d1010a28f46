// Which max reduction a device runs (ts/ops/reduce.ts), by the rules of ts/ops/select.ts: forced
// (ENGINE_REDUCE), the workgroup tree on CPU adapters, else the faster of the tree and subgroupMax
// (where the device has the `subgroups` feature) in a short trial, cached. Both give the same bits
// (test/gpu/reduce-subgroup.test.ts), so the choice changes speed, not results.
import type { Gpu } from '../gpu/device.js';
import { CHUNK, MAX_VARIANTS, reduceRows, setMaxVariant, type MaxVariant } from './reduce.js';
import { chooseVariant, medianMs, type VariantChoice } from './select.js';

export type MaxChoice = VariantChoice<MaxVariant>;

/** Chooses the device's max variant for rows of `cols` (see the header), makes it the one in use, records it. */
export async function selectMaxReduce(gpu: Gpu, rows = 256, cols = CHUNK): Promise<MaxChoice> {
  const choice = await chooseVariant(gpu, {
    family: 'reduce',
    env: 'ENGINE_REDUCE',
    variants: MAX_VARIANTS,
    refusal: (v) => (v === 'subgroup' && !gpu.hasSubgroups ? "needs the 'subgroups' feature" : undefined),
    key: { reduceMax: { rows, cols } },
    trial: async (variants) => {
      const x = gpu.buffer(rows * cols * 4, 'reduce trial x');
      const out = gpu.buffer(rows * 4, 'reduce trial out');
      const ms: Partial<Record<MaxVariant, number>> = {};
      try {
        for (const v of variants) ms[v] = await medianMs(gpu, [reduceRows('max', x, out, rows, cols, rows * cols, v)]);
      } finally {
        for (const b of [x, out]) b.destroy();
      }
      return { ms };
    },
  });
  setMaxVariant(choice.variant);
  return choice;
}
