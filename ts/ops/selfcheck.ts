// A quick end-to-end check of the device and kernels: products against the reference, and the
// rate of one 512³ matmul. Used by `npm start`.
import type { Gpu } from '../gpu/device.js';
import { refMatmul } from '../ref/matmul.js';
import type { OnProgress } from '../util/progress.js';
import { matmul } from './matmul.js';

export interface SelfCheck {
  maxRelError: number;
  matmulGflops: number;
}

const PRODUCTS = [
  [67, 36, 44, false],
  [33, 17, 9, true],
] as const;
const TIMED_RUNS = 3;

/** Reports the phase 'self-check' (GPU runs: the products, one warm-up and the timed ones) to `onProgress`. */
export async function selfCheck(gpu: Gpu, onProgress?: OnProgress): Promise<SelfCheck> {
  let runs = 0;
  const total = PRODUCTS.length + 1 + TIMED_RUNS;
  const report = () => onProgress?.({ phase: 'self-check', done: runs, total, unit: 'runs' });
  const ran = () => {
    runs++;
    report();
  };
  report();
  let maxRelError = 0;
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32) * 2 - 1;
  for (const [M, N, K, transB] of PRODUCTS) {
    const a = Float32Array.from({ length: M * K }, rand);
    const b = Float32Array.from({ length: K * N }, rand);
    const c = gpu.buffer(M * N * 4, 'selfcheck');
    await gpu.run([matmul({ a: gpu.upload(a), b: gpu.upload(b), c, M, N, K, transB })]);
    const got = await gpu.read(c, Float32Array);
    const want = refMatmul({ a, b, M, N, K, transB });
    for (let i = 0; i < want.length; i++)
      maxRelError = Math.max(maxRelError, Math.abs(got[i] - want[i]) / (Math.abs(want[i]) + 1e-3));
    ran();
  }
  if (!(maxRelError < 1e-4))
    throw new Error(`GPU self-check failed on ${gpu.adapterName}: matmul relative error ${maxRelError}`);
  const n = 512;
  const buf = () => gpu.upload(Float32Array.from({ length: n * n }, rand));
  const d = matmul({ a: buf(), b: buf(), c: gpu.buffer(n * n * 4), M: n, N: n, K: n });
  await gpu.run([d]);
  await gpu.sync();
  ran();
  const times: number[] = [];
  for (let i = 0; i < TIMED_RUNS; i++) {
    const t = performance.now();
    await gpu.run([d]);
    await gpu.sync();
    times.push(performance.now() - t);
    ran();
  }
  times.sort((x, y) => x - y);
  return { maxRelError, matmulGflops: +((2 * n ** 3) / times[1] / 1e6).toFixed(2) };
}
