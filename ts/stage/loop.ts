// The one loop every stage runs (pre-training, mid-training, RL, evaluation): steps from where the
// restored state left off, each step's rows appended to the stage's log and reported, progress with
// rate and ETA, and the periodic work (held-out evaluation, checkpoints) at its cadence and once at
// the end. What a step is, and what its state holds, is the stage's own.
import type { Gpu } from '../gpu/device.js';
import { truncateMetrics } from '../ckpt/rundir.js';
import type { RunStore } from '../store/store.js';
import { killPoint } from '../util/killpoint.js';
import type { Reporter } from '../util/reporter.js';

/** What a stage runs with: `run(config, ctx)`. */
export interface StageContext {
  gpu: Gpu;
  store: RunStore;
  reporter: Reporter;
  /** Where its results go: the run directory (training, RL) or the results file (evaluation). */
  out: string;
  /**
   * Aborted to stop the stage after its current step, keeping what it did: a training stage writes
   * its checkpoint (a later run resumes from it), an evaluation keeps its journal.
   */
  stop?: AbortSignal;
  /** Taps on what a stage computes besides its rows (`repro run` fingerprints them). */
  observer?: StageObserver;
}

/** What a caller may watch of a stage beyond the reporter's rows; every tap is optional. */
export interface StageObserver {
  /** Each sampler call's completions (token ids, stop token included), in call order. */
  sampled?(completions: readonly Int32Array[]): void;
}

export interface StepOutput {
  /** Rows for the log and the reporter (a training step's metrics, the problems it finished). */
  rows: object[];
  /** Progress units done after the step. */
  done: number;
  /** Shown after the rate, e.g. "loss 2.31". */
  note?: string;
}

/** Work done every `every` steps before the last (0: never), and after the last step. */
export interface Periodic {
  every: number;
  /** May return rows for the log and the reporter (a held-out evaluation). */
  run(step: number): Promise<object[] | void>;
  /**
   * 'always': also after the last step, even when a finished run is started again; 'if-stepped':
   * only when this process took a step (rewriting a finished run's last checkpoint would open a
   * window in which a kill leaves none).
   */
  atEnd: 'always' | 'if-stepped';
  /** Also when the loop is stopped early, if it took a step (checkpoints: what was done is kept). */
  atStop?: boolean;
}

export interface LoopSpec {
  /** Progress label and kill point prefix, e.g. 'pretrain'. */
  label: string;
  steps: number;
  /** Steps the restored state holds; rows of later steps in the log belong to lost work and go. */
  start: number;
  /** Where the restored state came from (a checkpoint directory), for the note that says so. */
  resumedFrom?: string;
  progress: { unit: string; total: number; done: number };
  /** The JSON-lines log of rows, each with a `step`. */
  log: string;
  /** Named arrival for ENGINE_KILL_AT after each row a step logs (docs/reliability.md). */
  killPoint: string;
  /** Takes step `index` (0-based). */
  step(index: number): Promise<StepOutput>;
  periodic?: Periodic[];
  /** Once aborted, the loop ends after the step it is taking (StageContext.stop). */
  stop?: AbortSignal;
}

/** How the loop ended: after its last step, or stopped before it (LoopSpec.stop). */
export interface LoopEnd {
  stopped: boolean;
}

/** What a stage that cannot return a partial result throws when it was stopped (its name says so). */
export class StageStopped extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StageStopped';
  }
}

export async function runLoop(spec: LoopSpec, store: RunStore, reporter: Reporter): Promise<LoopEnd> {
  if (spec.start > 0) {
    const from = spec.resumedFrom ? ` from ${spec.resumedFrom}` : '';
    reporter.log(`resuming ${spec.label}${from} (step ${spec.start} of ${spec.steps})`);
  }
  await truncateMetrics(store, spec.log, spec.start);
  // Row by row: each is in the log before the next is made, so a kill loses none that was reported.
  const emit = async (rows: object[] | void, arrive = false) => {
    for (const r of rows ?? []) {
      await store.append(spec.log, JSON.stringify(r) + '\n');
      reporter.row(r);
      if (arrive) killPoint(spec.killPoint);
    }
  };
  const { unit, total } = spec.progress;
  const report = (done: number, note?: string) => reporter.progress({ phase: spec.label, done, total, unit, note });
  report(spec.progress.done);
  let last: StepOutput | undefined;
  for (let step = spec.start; step < spec.steps; step++) {
    const out = await spec.step(step);
    await emit(out.rows, true);
    last = out;
    report(out.done, out.note);
    const taken = step + 1;
    if (taken < spec.steps && spec.stop?.aborted) {
      reporter.log(`stopped ${spec.label} after step ${taken} of ${spec.steps}`);
      for (const w of spec.periodic ?? []) if (w.atStop) await emit(await w.run(taken));
      return { stopped: true };
    }
    if (taken < spec.steps)
      for (const w of spec.periodic ?? []) if (w.every && taken % w.every === 0) await emit(await w.run(taken));
  }
  report(total, last?.note);
  for (const w of spec.periodic ?? [])
    if (w.atEnd === 'always' || spec.start < spec.steps) await emit(await w.run(spec.steps));
  return { stopped: false };
}
