// Which variant of a kernel family (matmul, attention) a device runs: forced (GpuOptions.kernels,
// ENGINE_MATMUL / ENGINE_ATTENTION), else on a CPU adapter (lavapipe, SwiftShader) the family's
// default (its lavapipe kernel, built for them), else the fastest of the variants the adapter's
// limits allow in a short trial at the engine's own shapes, cached per adapter, engine shaders and
// shapes. Never by vendor name. The families' variants give the same bits, so the choice changes
// speed, not results (ts/ops/matmul_select.ts, attention_select.ts, reduce_select.ts).
import type { Dispatch, Gpu } from '../gpu/device.js';
import { medianSeconds } from '../gpu/timing.js';
import { sha256Hex } from '../util/hash.js';
import { engineIdentity } from '../util/provenance.js';

export interface VariantChoice<V extends string> {
  variant: V;
  how: 'forced' | 'cpu-adapter' | 'cached' | 'trial';
  /** The trial's median milliseconds per variant, when a trial ran. */
  trialMs?: Partial<Record<V, number>>;
  /** Variants the trial left out because their bits differed from the default's on this adapter. */
  differs?: V[];
}

export interface VariantFamily<V extends string> {
  /** Its key in gpu.forced and gpu.kernels ('matmul'). */
  family: string;
  /** The environment variable that forces it, for messages ('ENGINE_MATMUL'). */
  env: string;
  /** Every variant, the CPU adapters' default first. */
  variants: readonly V[];
  /** Why this device cannot run `v` at the shapes (a limit it lacks), or undefined. */
  refusal(v: V): string | undefined;
  /** The shapes the trial runs, as part of the cache key (the adapter and shaders are added). */
  key: Record<string, unknown>;
  /** Times the eligible variants (the default among them); those absent from `ms` lose. */
  trial(variants: V[]): Promise<{ ms: Partial<Record<V, number>>; differs?: V[] }>;
}

const TRIAL_RUNS = 3;

/** Chooses the device's variant of a family (see the header) and records it in gpu.kernels. */
export async function chooseVariant<V extends string>(gpu: Gpu, f: VariantFamily<V>): Promise<VariantChoice<V>> {
  const choice = await choose(gpu, f);
  gpu.kernels[f.family] = choice.variant;
  return choice;
}

async function choose<V extends string>(gpu: Gpu, f: VariantFamily<V>): Promise<VariantChoice<V>> {
  const forced = gpu.forced[f.family];
  if (forced && forced !== 'trial') {
    const v = forced as V;
    if (!f.variants.includes(v)) {
      throw new Error(`${f.env} '${forced}' is no ${f.family} variant; use trial or one of ${f.variants.join(', ')}`);
    }
    const refused = f.refusal(v);
    if (refused) throw new Error(`${f.family} variant '${v}' does not fit ${gpu.adapterName}: it ${refused}`);
    return { variant: v, how: 'forced' };
  }
  if (!forced && gpu.adapterKind !== 'gpu') return { variant: f.variants[0], how: 'cpu-adapter' };
  const eligible = f.variants.filter((v) => !f.refusal(v));
  const { shadersSha256 } = await engineIdentity();
  const key = await sha256Hex(JSON.stringify({ adapter: gpu.adapterInfo, shadersSha256, ...f.key }));
  const cached = (await gpu.kernelCache.get(key)) as V | undefined;
  if (cached && eligible.includes(cached)) return { variant: cached, how: 'cached' };
  const { ms, differs } = await f.trial(eligible);
  const timed = eligible.filter((v) => ms[v] !== undefined);
  const variant = timed.reduce((best, v) => (ms[v]! < ms[best]! ? v : best));
  await gpu.kernelCache.set(key, variant);
  return { variant, how: 'trial', trialMs: ms, ...(differs?.length && { differs }) };
}

/** Median milliseconds of running `d`, after runs that compile its pipelines and let the timing settle. */
export async function medianMs(gpu: Gpu, d: Dispatch[]): Promise<number> {
  return 1000 * (await medianSeconds(gpu, d, TRIAL_RUNS));
}
