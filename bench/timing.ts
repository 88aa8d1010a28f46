// Timing a list of dispatches on the GPU: warm-up, then the median of repeated runs.
import type { Dispatch, Gpu } from '../ts/gpu/index.js';
import { median } from './torch.js';

async function once(gpu: Gpu, list: Dispatch[]): Promise<number> {
  const t = performance.now();
  await gpu.run(list);
  await gpu.sync();
  return (performance.now() - t) / 1000;
}

/**
 * Repeats `run` (which returns its seconds) until its time stops falling, at most 6 times: Gpu's
 * wait estimate, learned from a first run that included compiling or polling, settles on the real
 * time by 10% a run, and until it has, a timed run measures the estimate.
 */
export async function settle(run: () => Promise<number>): Promise<void> {
  let last = Infinity;
  for (let i = 0; i < 6; i++) {
    const t = await run();
    if (t > 0.95 * last) break;
    last = t;
  }
}

/** Median seconds of `reps` runs of `list` (each one submission, waited for), after a warm-up. */
export async function seconds(gpu: Gpu, list: Dispatch[], reps: number): Promise<number> {
  // Compile each pipeline on its own first; then repeat until the wait estimate settles.
  for (const d of list) await once(gpu, [d]);
  await settle(() => once(gpu, list));
  const times: number[] = [];
  for (let r = 0; r < reps; r++) times.push(await once(gpu, list));
  return median(times);
}
