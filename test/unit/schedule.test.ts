import { describe, expect, it } from 'vitest';
import { lrAt, validateSchedule, warmupSteps, type ScheduleConfig } from '../../ts/train/schedule.js';

// SPEC §4: pre-training 1e-4 cosine to 3e-5 with 5% warm-up; mid-training 1e-4 with 15% warm-up.
const pretrain: ScheduleConfig = { schedule: 'cosine', learning_rate: 1e-4, min_lr: 3e-5, warmup: 0.05 };
const midtrain: ScheduleConfig = { schedule: 'constant', learning_rate: 1e-4, min_lr: 0, warmup: 0.15 };

function curve(c: ScheduleConfig, total: number): number[] {
  return Array.from({ length: total }, (_, s) => lrAt(s, total, c));
}

describe('learning-rate schedule', () => {
  it('cosine: values at the boundaries (SPEC pre-training)', () => {
    const total = 1000;
    expect(warmupSteps(pretrain, total)).toBe(50);
    expect(lrAt(0, total, pretrain)).toBeCloseTo(1e-4 / 50, 18);
    expect(lrAt(24, total, pretrain)).toBeCloseTo(0.5e-4, 18);
    expect(lrAt(49, total, pretrain)).toBe(1e-4); // the last warm-up step is at the peak
    expect(lrAt(999, total, pretrain)).toBeCloseTo(3e-5, 18); // the last step is at the floor
    // Half-way through the decay (s - W = 475 of 950): the mean of peak and floor.
    expect(lrAt(49 + 475, total, pretrain)).toBeCloseTo(6.5e-5, 18);
    const lrs = curve(pretrain, total);
    expect(Math.max(...lrs)).toBe(1e-4);
    expect(Math.min(...lrs.slice(50))).toBeCloseTo(3e-5, 18);
  });

  it('cosine: rises through warm-up, then never rises', () => {
    for (const [c, total] of [
      [pretrain, 1000],
      [{ ...pretrain, warmup: 0.3 }, 37],
      [{ ...pretrain, min_lr: 0 }, 200],
    ] as const) {
      const lrs = curve(c, total);
      const W = warmupSteps(c, total);
      for (let s = 1; s < total; s++) {
        if (s < W) expect(lrs[s], `step ${s}`).toBeGreaterThan(lrs[s - 1]);
        else expect(lrs[s], `step ${s}`).toBeLessThanOrEqual(lrs[s - 1]);
      }
      expect(lrs.every((v) => v <= c.learning_rate)).toBe(true);
      expect(lrs.slice(W).every((v) => v >= c.min_lr)).toBe(true);
      expect(lrs[0]).toBeGreaterThan(0);
      expect(lrs[W - 1]).toBe(c.learning_rate);
    }
  });

  it('constant with warm-up (SPEC mid-training)', () => {
    const total = 200;
    expect(warmupSteps(midtrain, total)).toBe(30);
    const lrs = curve(midtrain, total);
    expect(lrs[0]).toBeCloseTo(1e-4 / 30, 18);
    expect(lrs[29]).toBe(1e-4);
    expect(lrs.slice(29).every((v) => v === 1e-4)).toBe(true);
  });

  it('edge cases: no warm-up, one step, warm-up rounded up', () => {
    const none = { ...pretrain, warmup: 0 };
    expect(lrAt(0, 1, none)).toBe(3e-5);
    expect(lrAt(0, 10, none)).toBeLessThan(1e-4);
    expect(lrAt(0, 10, none)).toBeGreaterThan(lrAt(1, 10, none));
    expect(lrAt(0, 1, { ...pretrain })).toBe(1e-4); // ceil(0.05): one warm-up step, at the peak
    expect(warmupSteps(pretrain, 19)).toBe(1);
    expect(lrAt(0, 5, { ...midtrain, warmup: 0 })).toBe(1e-4);
  });

  it('refuses bad configurations and steps, naming the field', () => {
    expect(() => validateSchedule({ ...pretrain, min_lr: 2e-4 }, 10)).toThrow(/min_lr must be in \[0, learning_rate/);
    expect(() => validateSchedule({ ...pretrain, warmup: 1 }, 10)).toThrow(/warmup must be a fraction/);
    expect(() => validateSchedule({ ...pretrain, learning_rate: 0 }, 10)).toThrow(/learning_rate must be a number > 0/);
    expect(() => validateSchedule({ ...pretrain, schedule: 'linear' as 'cosine' }, 10)).toThrow(
      /schedule must be "cosine" or "constant"/,
    );
    expect(() => validateSchedule(pretrain, 0)).toThrow(/total steps must be a positive integer/);
    expect(() => lrAt(10, 10, pretrain)).toThrow(/step 10 is outside the run's steps 0..9/);
    expect(() => lrAt(-1, 10, pretrain)).toThrow(/outside/);
    // The constant schedule ignores min_lr.
    expect(() => validateSchedule({ ...midtrain, min_lr: 1 }, 10)).not.toThrow();
  });
});
