// `repro kernels`: every kernel on fixed seeded inputs, each output's hash and its distance to the
// float64 reference, with the adapter and engine that produced them. Browser-safe (a page can run it).
import type { Gpu } from '../gpu/index.js';
import { sha256Hex } from '../util/hash.js';
import type { OnProgress } from '../util/progress.js';
import { engineIdentity, type AdapterDescription, type EngineIdentity } from '../util/provenance.js';
import { CaseContext, KERNEL_CASES, type KernelCase } from './cases.js';
import { distance } from './distance.js';

export const KERNELS_FORMAT = 'reasoning-engine-kernels/1';
export const DEFAULT_KERNEL_SEED = 20261127;

/** One kernel output on the adapter. */
export interface KernelEntry {
  /** `shader.entry.output`, e.g. `attention.backward.dq`. */
  name: string;
  shader: string;
  shape: string;
  elements: number;
  /** SHA-256 of the output's bytes (little-endian f32, or u32 for token ids). */
  sha256: string;
  /** To the float64 reference rounded to f32 (token ids: the largest difference of ids). */
  maxUlp: number;
  /** max |got - want| / max |want|. */
  maxRelError: number;
}

export interface KernelFingerprint {
  format: typeof KERNELS_FORMAT;
  created: string;
  seed: number;
  adapter: AdapterDescription & { features: string[]; limits: Record<string, number> };
  engine: EngineIdentity;
  kernels: KernelEntry[];
}

const LIMITS = [
  'maxBufferSize',
  'maxStorageBufferBindingSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
] as const;

/** The adapter as a fingerprint records it: its description, features and a few limits. */
export function describeAdapter(gpu: Gpu): KernelFingerprint['adapter'] {
  const limits = Object.fromEntries(LIMITS.map((k) => [k, gpu.limits[k]]));
  return { ...gpu.adapterInfo, features: [...gpu.device.features].sort(), limits };
}

export interface KernelsOptions {
  seed?: number;
  onProgress?: OnProgress;
  /** Called with each kernel output's entry as it is measured (the CLI prints it as a JSON line). */
  onEntry?: (e: KernelEntry) => void;
  /** The cases to run (default every kernel); tests pass altered ones. */
  cases?: KernelCase[];
}

/** Runs every kernel case on `gpu`, each from its own seed derived from `seed` and its position. */
export async function fingerprintKernels(gpu: Gpu, opts: KernelsOptions = {}): Promise<KernelFingerprint> {
  const seed = opts.seed ?? DEFAULT_KERNEL_SEED;
  if (!(Number.isInteger(seed) && seed >= 0 && seed < 2 ** 32))
    throw new Error(`repro kernels: seed ${seed} must be an integer in [0, 2^32)`);
  const cases = opts.cases ?? KERNEL_CASES;
  const kernels: KernelEntry[] = [];
  const progress = (done: number) =>
    opts.onProgress?.({ phase: 'kernels', done, total: cases.length, unit: 'kernels' });
  progress(0);
  for (const [i, k] of cases.entries()) {
    // One seed per case: adding a case does not change the inputs of the others.
    const ctx = new CaseContext(gpu, (seed + i * 0x9e3779b9) >>> 0);
    try {
      for (const out of await k.run(ctx)) {
        const bytes = new Uint8Array(out.got.buffer, out.got.byteOffset, out.got.byteLength);
        const entry: KernelEntry = {
          name: out.name,
          shader: k.shader,
          shape: k.shape,
          elements: out.got.length,
          sha256: await sha256Hex(bytes),
          ...distance(out.got, out.want, out.got instanceof Uint32Array),
        };
        kernels.push(entry);
        opts.onEntry?.(entry);
      }
    } finally {
      ctx.release();
    }
    progress(i + 1);
  }
  return {
    format: KERNELS_FORMAT,
    created: new Date().toISOString(),
    seed,
    adapter: describeAdapter(gpu),
    engine: await engineIdentity(),
    kernels,
  };
}
