// One Gpu per test file (vitest runs each file in its own process), on Dawn; adapter from ENGINE_ADAPTER.
import { Gpu } from '../../ts/gpu/index.js';
import { memoryCache } from '../../ts/gpu/kernels.js';
import { useDawn } from '../../ts/io/dawn.js';

useDawn();

let gpu: Promise<Gpu> | undefined;

export function testGpu(): Promise<Gpu> {
  gpu ??= Gpu.create({ announce: false }).then((g) => {
    // The log names the adapter the GPU tests ran on.
    process.stderr.write(
      `[gpu tests] adapter: ${g.adapterName} (${g.adapterKind}), subgroups ${g.subgroupSize.min}-${g.subgroupSize.max}\n`,
    );
    return g;
  });
  return gpu;
}

/** The test device as a variant selection sees it: `forced` variants, a fresh cache (never the user's file), none chosen. */
export async function selectionGpu(forced: Record<string, string>): Promise<Gpu> {
  const g = await testGpu();
  g.forced = forced;
  g.kernelCache = memoryCache();
  for (const family of Object.keys(g.kernels)) delete g.kernels[family];
  return g;
}

/** A storage buffer pre-filled with NaN, so an element the kernel fails to write shows up. */
export function poisoned(g: Gpu, elements: number, label = 'out'): GPUBuffer {
  return g.upload(new Float32Array(elements).fill(Number.NaN), label);
}

/** Max violation ratio of |got - want| <= tol[i]; <= 1 means every element is within tolerance. */
export function worstRatio(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  tol: (i: number) => number,
): { ratio: number; at: number } {
  let ratio = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const e = Math.abs(got[i] - want[i]);
    const r = Number.isNaN(e) ? Infinity : e / tol(i);
    if (r > ratio) {
      ratio = r;
      at = i;
    }
  }
  return { ratio, at };
}

/** Whether two float arrays hold the same bits. */
export function bitIdentical(a: Float32Array, b: Float32Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

/** The first index where two arrays' bits differ, for a failure message. */
export function firstDiff(a: Float32Array, b: Float32Array): string {
  const i = a.findIndex((v, j) => !Object.is(v, b[j]));
  return i < 0 ? 'none' : `element ${i}: ${a[i]} vs ${b[i]}`;
}
