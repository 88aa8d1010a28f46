// Learning-rate schedules: linear warm-up, then cosine decay to a floor (SPEC §4: 1e-4 to 3e-5 with
// 5% warm-up for pre-training) or constant (mid-training: 1e-4 with 15% warm-up). Pure functions
// of the step, so a resumed run takes exactly the lr the uninterrupted run would have.
//
// Steps count from 0 (the optimizer step about to be taken); s = step + 1 steps are done after it.
// With W = ceil(warmup * totalSteps) warm-up steps:
//   s <= W:  lr * s / W                          (no step at lr 0; the last warm-up step is at the peak)
//   s >  W:  cosine:   min_lr + (lr - min_lr) * (1 + cos(pi * (s - W) / (totalSteps - W))) / 2
//            constant: lr
// so the last step of a cosine schedule runs at min_lr exactly.

/** The fields a run config (ts/train/runconfig.ts) carries, by the same names. */
export interface ScheduleConfig {
  schedule: 'cosine' | 'constant';
  /** Peak learning rate. */
  learning_rate: number;
  /** Floor of the cosine decay (unused by 'constant'). */
  min_lr: number;
  /** Warm-up as a fraction of the steps, in [0, 1). */
  warmup: number;
}

/** Throws an error naming every field that is wrong. */
export function validateSchedule(c: ScheduleConfig, totalSteps: number): void {
  const bad: string[] = [];
  if (c.schedule !== 'cosine' && c.schedule !== 'constant')
    bad.push(`schedule must be "cosine" or "constant" (got ${JSON.stringify(c.schedule)})`);
  if (!(Number.isFinite(c.learning_rate) && c.learning_rate > 0))
    bad.push(`learning_rate must be a number > 0 (got ${c.learning_rate})`);
  if (c.schedule === 'cosine' && !(Number.isFinite(c.min_lr) && c.min_lr >= 0 && c.min_lr <= c.learning_rate)) {
    bad.push(`min_lr must be in [0, learning_rate = ${c.learning_rate}] (got ${c.min_lr})`);
  }
  if (!(c.warmup >= 0 && c.warmup < 1)) bad.push(`warmup must be a fraction of the steps in [0, 1) (got ${c.warmup})`);
  if (!(Number.isInteger(totalSteps) && totalSteps > 0))
    bad.push(`total steps must be a positive integer (got ${totalSteps})`);
  if (bad.length) throw new Error(`learning-rate schedule: ${bad.join('; ')}`);
}

/** Warm-up steps of a schedule over totalSteps. */
export function warmupSteps(c: ScheduleConfig, totalSteps: number): number {
  return Math.ceil(c.warmup * totalSteps);
}

/** The learning rate of step `step` (0-based) of `totalSteps`. */
export function lrAt(step: number, totalSteps: number, c: ScheduleConfig): number {
  validateSchedule(c, totalSteps);
  if (!(Number.isInteger(step) && step >= 0 && step < totalSteps)) {
    throw new Error(`learning-rate schedule: step ${step} is outside the run's steps 0..${totalSteps - 1}`);
  }
  const W = warmupSteps(c, totalSteps);
  const s = step + 1;
  if (s <= W) return c.learning_rate * (s / W); // s / W is exactly 1 at the peak
  if (c.schedule === 'constant') return c.learning_rate;
  return c.min_lr + ((c.learning_rate - c.min_lr) * (1 + Math.cos((Math.PI * (s - W)) / (totalSteps - W)))) / 2;
}
