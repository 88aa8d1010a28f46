// Which matmul variant a device runs (ts/ops/matmul.ts): forced (GpuOptions.kernels, ENGINE_MATMUL),
// else on a CPU adapter (lavapipe, SwiftShader) the lavapipe kernel, which is built for them, else
// the fastest of the variants the adapter's limits allow in a short trial at the engine's own
// shapes, cached per adapter, engine shaders and shapes. Never by vendor name. Every variant gives
// the same bits (test/gpu/matmul-variants.test.ts), so the choice changes speed, not results.
import type { Gpu } from '../gpu/device.js';
import { MATMUL_VARIANTS, matmul, setMatmulVariant, type MatmulShape, type MatmulVariant } from './matmul.js';
import { TILES, tileRefusal } from './matmul_tiled.js';
import { fastestVariant } from './variant_trial.js';

/** A product the engine runs (one of a layer's, forward or gradient). */
export type Product = Pick<MatmulShape, 'M' | 'N' | 'K' | 'transA' | 'transB'>;

export interface MatmulChoice {
  variant: MatmulVariant;
  how: 'forced' | 'cpu-adapter' | 'cached' | 'trial';
  /** The trial's median milliseconds per variant (all products once), when a trial ran. */
  trialMs?: Partial<Record<MatmulVariant, number>>;
}

/** The variants this device's limits allow, the lavapipe kernel first. */
export function eligibleMatmulVariants(limits: GPUSupportedLimits): MatmulVariant[] {
  return MATMUL_VARIANTS.filter((v) => v === 'lavapipe' || !tileRefusal(TILES[v], limits));
}

/** Chooses the device's variant (see the header), makes it the one in use, and records it in gpu.kernels. */
export async function selectMatmul(gpu: Gpu, products: Product[]): Promise<MatmulChoice> {
  const choice = await choose(gpu, products);
  setMatmulVariant(choice.variant);
  gpu.kernels.matmul = choice.variant;
  return choice;
}

async function choose(gpu: Gpu, products: Product[]): Promise<MatmulChoice> {
  const forced = gpu.forced.matmul;
  const eligible = eligibleMatmulVariants(gpu.limits);
  if (forced && forced !== 'trial') {
    const v = forced as MatmulVariant;
    if (!MATMUL_VARIANTS.includes(v)) {
      throw new Error(
        `ENGINE_MATMUL '${forced}' is no matmul variant; use trial or one of ${MATMUL_VARIANTS.join(', ')}`,
      );
    }
    const refused = v === 'lavapipe' ? undefined : tileRefusal(TILES[v], gpu.limits);
    if (refused) throw new Error(`matmul variant '${v}' does not fit ${gpu.adapterName}: it ${refused}`);
    return { variant: v, how: 'forced' };
  }
  if (!forced && gpu.adapterKind !== 'gpu') return { variant: 'lavapipe', how: 'cpu-adapter' };
  return fastestVariant(gpu, { products }, eligible, () => {
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
    return {
      dispatches: (variant) => products.map((p) => matmul({ ...p, a, b, c, variant })),
      release: () => [a, b, c].forEach((buf) => buf.destroy()),
    };
  });
}
