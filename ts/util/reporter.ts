// Where a stage reports: progress of its long phases, result rows (metrics, per-problem results) and
// one-line notes. The CLI draws bars and writes JSON lines (ts/io/terminal.ts); a page or a worker
// passes callbacks (callbackReporter).
import type { OnProgress } from './progress.js';

export interface Reporter {
  /** A long phase's progress (shown as a bar with rate and ETA on a terminal). */
  progress: OnProgress;
  /** One result row: a metrics row of a training step, a problem's result. */
  row(row: object): void;
  /** A note for the person watching ("resuming from step 40"). */
  log(message: string): void;
}

/** A reporter from callbacks; those left out drop what they would get. */
export function callbackReporter(r: Partial<Reporter> = {}): Reporter {
  return { progress: r.progress ?? (() => {}), row: r.row ?? (() => {}), log: r.log ?? (() => {}) };
}
