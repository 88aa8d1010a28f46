// Which matmul variant a device runs (ts/ops/matmul.ts): forced (GpuOptions.kernels, ENGINE_MATMUL),
// else on a CPU adapter (lavapipe, SwiftShader) the lavapipe kernel, which is built for them, else
// the fastest of the variants the adapter's limits allow in a short trial at the engine's own
// shapes, cached per adapter, engine shaders and shapes. Never by vendor name. Every variant gives
// the same bits (test/gpu/matmul-variants.test.ts), so the choice changes speed, not results.
import type { Gpu } from '../gpu/device.js';
import { sha256Hex } from '../util/hash.js';
import { engineIdentity } from '../util/provenance.js';
import { MATMUL_VARIANTS, matmul, setMatmulVariant, type MatmulShape, type MatmulVariant } from './matmul.js';
import { TILES, tileRefusal } from './matmul_tiled.js';

/** A product the engine runs (one of a layer's, forward or gradient). */
export type Product = Pick<MatmulShape, 'M' | 'N' | 'K' | 'transA' | 'transB'>;

export interface MatmulChoice {
  variant: MatmulVariant;
  how: 'forced' | 'cpu-adapter' | 'cached' | 'trial';
  /** The trial's median milliseconds per variant (all products once), when a trial ran. */
  trialMs?: Partial<Record<MatmulVariant, number>>;
}

const TRIAL_RUNS = 3;

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
  const { shadersSha256 } = await engineIdentity();
  const key = await sha256Hex(JSON.stringify({ adapter: gpu.adapterInfo, shadersSha256, products }));
  const cached = (await gpu.kernelCache.get(key)) as MatmulVariant | undefined;
  if (cached && eligible.includes(cached)) return { variant: cached, how: 'cached' };
  const trialMs = await trial(gpu, products, eligible);
  const variant = eligible.reduce((best, v) => (trialMs[v]! < trialMs[best]! ? v : best));
  await gpu.kernelCache.set(key, variant);
  return { variant, how: 'trial', trialMs };
}

/** Median milliseconds of each variant running every product once (after a warm-up that compiles). */
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
    for (const variant of variants) {
      const d = products.map((p) => matmul({ ...p, a, b, c, variant }));
      await gpu.run(d);
      await gpu.sync();
      const ms: number[] = [];
      for (let r = 0; r < TRIAL_RUNS; r++) {
        const t = performance.now();
        await gpu.run(d);
        await gpu.sync();
        ms.push(performance.now() - t);
      }
      out[variant] = ms.sort((x, y) => x - y)[TRIAL_RUNS >> 1];
    }
  } finally {
    for (const buf of [a, b, c]) buf.destroy();
  }
  return out;
}
