// Timing a list of dispatches on the GPU: warm-up, then the median of repeated runs.
import type { Dispatch, Gpu } from '../ts/gpu/index.js';
import { median } from './torch.js';

async function once(gpu: Gpu, list: Dispatch[]): Promise<number> {
  const t = performance.now();
  await gpu.run(list);
  await gpu.sync();
  return (performance.now() - t) / 1000;
}

/** Median seconds of `reps` runs of `list` (each one submission, waited for), after a warm-up. */
export async function seconds(gpu: Gpu, list: Dispatch[], reps: number): Promise<number> {
  // Compile each pipeline on its own first; then repeat until the time stops falling, as Gpu's
  // wait estimate (learned from a first run that included compiling) settles on the real time.
  for (const d of list) await once(gpu, [d]);
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    const t = await once(gpu, list);
    if (t > 0.95 * last) break;
    last = t;
  }
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await once(gpu, list));
  return median(times);
}
