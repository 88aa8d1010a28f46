// The start-up trial that picks a kernel family's fastest variant on a device, and its cache, for
// every family that has variants (matmul_select.ts, reduce_select.ts). Every variant of a family
// gives the same bits, so the trial chooses speed only.
import type { Dispatch, Gpu } from '../gpu/device.js';
import { medianSeconds } from '../gpu/timing.js';
import { sha256Hex } from '../util/hash.js';
import { engineIdentity } from '../util/provenance.js';

const TRIAL_RUNS = 3;

export interface TrialChoice<V extends string> {
  variant: V;
  how: 'cached' | 'trial';
  /** The trial's median milliseconds per variant, when a trial ran. */
  trialMs?: Partial<Record<V, number>>;
}

/** What a trial runs: each variant's dispatches over buffers the trial allocates, and their release. */
export interface TrialWork<V extends string> {
  dispatches(v: V): Dispatch[];
  release(): void;
}

/**
 * The variant of `eligible` whose dispatches run fastest here: cached under the SHA-256 of the
 * adapter's description, the engine's shader hash and `what` (the family's shapes), else timed on
 * the work `prepare` allocates (only when a trial runs).
 */
export async function fastestVariant<V extends string>(
  gpu: Gpu,
  what: Record<string, unknown>,
  eligible: V[],
  prepare: () => TrialWork<V>,
): Promise<TrialChoice<V>> {
  const { shadersSha256 } = await engineIdentity();
  const key = await sha256Hex(JSON.stringify({ adapter: gpu.adapterInfo, shadersSha256, ...what }));
  const cached = (await gpu.kernelCache.get(key)) as V | undefined;
  if (cached && eligible.includes(cached)) return { variant: cached, how: 'cached' };
  const work = prepare();
  let trialMs: Partial<Record<V, number>>;
  try {
    trialMs = await timeVariants(gpu, eligible, (v) => work.dispatches(v));
  } finally {
    work.release();
  }
  const variant = eligible.reduce((best, v) => (trialMs[v]! < trialMs[best]! ? v : best));
  await gpu.kernelCache.set(key, variant);
  return { variant, how: 'trial', trialMs };
}

/** Median milliseconds of each variant's dispatches (after warm-up runs that compile them and settle). */
async function timeVariants<V extends string>(
  gpu: Gpu,
  variants: V[],
  dispatches: (v: V) => Dispatch[],
): Promise<Partial<Record<V, number>>> {
  const out: Partial<Record<V, number>> = {};
  for (const variant of variants) out[variant] = 1000 * (await medianSeconds(gpu, dispatches(variant), TRIAL_RUNS));
  return out;
}
