// Which matmul variant a device runs (ts/ops/matmul.ts), by the rules of ts/ops/select.ts: forced
// (ENGINE_MATMUL), the lavapipe kernel on CPU adapters, else a timed trial at the engine's own
// shapes, cached. Every variant gives the same bits (test/gpu/matmul-variants.test.ts), so the
// choice changes speed, not results.
import type { Gpu } from '../gpu/device.js';
import { MATMUL_VARIANTS, matmul, setMatmulVariant, type MatmulShape, type MatmulVariant } from './matmul.js';
import { TILES, tileRefusal } from './matmul_tiled.js';
import { chooseVariant, medianMs, type VariantChoice } from './select.js';

/** A product the engine runs (one of a layer's, forward or gradient). */
export type Product = Pick<MatmulShape, 'M' | 'N' | 'K' | 'transA' | 'transB'>;

export type MatmulChoice = VariantChoice<MatmulVariant>;

const refusal = (v: MatmulVariant, limits: GPUSupportedLimits) =>
  v === 'lavapipe' ? undefined : tileRefusal(TILES[v], limits);

/** The variants this device's limits allow, the lavapipe kernel first. */
export function eligibleMatmulVariants(limits: GPUSupportedLimits): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => !refusal(v, limits));
}

/** Chooses the device's variant (see the header), makes it the one in use, and records it in gpu.kernels. */
export async function selectMatmul(gpu: Gpu, products: Product[]): Promise<MatmulChoice> {
  const choice = await chooseVariant(gpu, {
    family: 'matmul',
    env: 'ENGINE_MATMUL',
    variants: MATMUL_VARIANTS,
    refusal: (v) => refusal(v, gpu.limits),
    key: { products },
    trial: async (variants) => ({ ms: await trial(gpu, products, variants) }),
  });
  setMatmulVariant(choice.variant);
  return choice;
}

/** Median milliseconds of each variant running every product once. */
async function trial(
  gpu: Gpu,
  products: Product[],
  variants: MatmulVariant[],
): Promise<Partial<Record<MatmulVariant, number>>> {
  const most = (f: (p: Product) => number) => 4 * Math.max(...products.map(f));
  const a = gpu.buffer(
    most((p) => p.M * p.K),
    'matmul trial a',
  );
  const b = gpu.buffer(
    most((p) => p.K * p.N),
    'matmul trial b',
  );
  const c = gpu.buffer(
    most((p) => p.M * p.N),
    'matmul trial c',
  );
  const out: Partial<Record<MatmulVariant, number>> = {};
  try {
    for (const variant of variants)
      out[variant] = await medianMs(
        gpu,
        products.map((p) => matmul({ ...p, a, b, c, variant })),
      );
  } finally {
    for (const buf of [a, b, c]) buf.destroy();
  }
  return out;
}
