// Choosing the matmul variant per device (ts/ops/matmul_select.ts): forced, the CPU adapters'
// default, the timed trial and its cache. Host logic: run on lavapipe only (vitest.config.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { matmul, matmulVariant, setMatmulVariant } from '../../ts/ops/matmul.js';
import { eligibleMatmulVariants, selectMatmul, type Product } from '../../ts/ops/matmul_select.js';
import { selectionGpu } from './setup.js';

const products: Product[] = [
  { M: 40, N: 48, K: 32, transB: true },
  { M: 48, N: 32, K: 40, transA: true },
];
const kernelOf = () => matmul({ a: null!, b: null!, c: null!, M: 4, N: 4, K: 4 }).kernel.name;

const gpuWith = (forced: Record<string, string>) => selectionGpu(forced);

afterEach(() => setMatmulVariant('lavapipe'));

describe('matmul variant selection', () => {
  it('keeps the lavapipe kernel on a CPU adapter unless told otherwise, and records it', async () => {
    const g = await gpuWith({});
    setMatmulVariant('tiled64');
    const choice = await selectMatmul(g, products);
    expect(choice).toEqual({ variant: 'lavapipe', how: 'cpu-adapter' });
    expect(matmulVariant()).toBe('lavapipe');
    expect(kernelOf()).toBe('matmul');
    expect(g.kernels).toEqual({ matmul: 'lavapipe' });
  });
  it('uses a forced variant for every later product', async () => {
    const g = await gpuWith({ matmul: 'tiled64' });
    expect(await selectMatmul(g, products)).toEqual({ variant: 'tiled64', how: 'forced' });
    expect(kernelOf()).toBe('matmul_tiled');
    expect(g.kernels.matmul).toBe('tiled64');
  });
  it('refuses an unknown variant and one the limits exclude, by name', async () => {
    await expect(selectMatmul(await gpuWith({ matmul: 'tiled9' }), products)).rejects.toThrow(
      /ENGINE_MATMUL 'tiled9' is no matmul variant; use trial or one of lavapipe, tiled32/,
    );
    const g = await gpuWith({ matmul: 'tiled128' });
    // The same device seen with a smaller limit.
    const small = Object.create(g, { limits: { value: { ...g.limits, maxComputeInvocationsPerWorkgroup: 64 } } });
    await expect(selectMatmul(small, products)).rejects.toThrow(
      /'tiled128' does not fit .*maxComputeInvocationsPerWorkgroup 64/,
    );
  });
  it('eligibility follows the limits', () => {
    const base = { maxComputeWorkgroupStorageSize: 16384, maxComputeInvocationsPerWorkgroup: 256 };
    const L = (o: object) =>
      ({ maxComputeWorkgroupSizeX: 256, maxComputeWorkgroupSizeY: 256, ...base, ...o }) as GPUSupportedLimits;
    expect(eligibleMatmulVariants(L({}))).toEqual(['lavapipe', 'tiled32', 'tiled64', 'tiled128']);
    expect(eligibleMatmulVariants(L({ maxComputeWorkgroupStorageSize: 8192 }))).toEqual(['lavapipe', 'tiled32']);
    expect(eligibleMatmulVariants(L({ maxComputeInvocationsPerWorkgroup: 128 }))).toEqual(['lavapipe', 'tiled32']);
  });
  it('a trial times every eligible variant, picks the fastest, and caches it per shapes', async () => {
    const g = await gpuWith({ matmul: 'trial' });
    const first = await selectMatmul(g, products);
    expect(first.how).toBe('trial');
    const ms = first.trialMs!;
    expect(Object.keys(ms)).toEqual(eligibleMatmulVariants(g.limits));
    expect(ms[first.variant]).toBe(Math.min(...Object.values(ms)));
    expect(matmulVariant()).toBe(first.variant);
    expect(await selectMatmul(g, products)).toEqual({ variant: first.variant, how: 'cached' });
    // Other shapes are another key: a trial again.
    expect((await selectMatmul(g, products.slice(1))).how).toBe('trial');
  });
});
