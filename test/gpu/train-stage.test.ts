// A training stage that trains: on repetitive toy data (op 2, one template, forward only) a tiny
// model's weights all move and its loss falls within a few dozen steps; each step's lr, logged and
// given to the model, follows the schedule; a step with a non-finite gradient is logged as skipped
// and leaves weights and optimizer state as they were.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { paramLayout } from '../../ts/model/params.js';
import type { Batch } from '../../ts/model/batch.js';
import { loadCheckpoint } from '../../ts/ckpt/index.js';
import type { TrainableModel } from '../../ts/train/heldout.js';
import { validateRunConfig } from '../../ts/train/runconfig.js';
import { lrAt } from '../../ts/train/schedule.js';
import { modelFactory, runTraining, type ModelFactory } from '../../ts/train/stage.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { bitIdentical, testGpu } from './setup.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

const STEPS = 40,
  SKIP_AT = 20;
const cfg = validateRunConfig({
  stage: 'pretrain',
  model: 'tiny',
  seed: 11,
  mixture: { ops: { '2': 1 }, templates: { teachers_in_school: 1 }, modes: { forward: 1 } },
  seq_len: 64,
  batch_size: 2,
  grad_accum: 2,
  tokens: STEPS * 2 * 64 * 2,
  learning_rate: 1e-2,
  min_lr: 1e-3,
  warmup: 0.1,
  schedule: 'cosine',
  eval_ops: [2],
  eval_per_op: 2,
  eval_max_new_tokens: 4,
});

describe('training stage', () => {
  it('moves every tensor, lowers the loss, follows the lr schedule and logs a skipped step', async () => {
    const g = await testGpu();
    let initial: Float32Array | undefined;
    const calls: { step: number; lr: number; micro: number }[] = [];
    let aroundSkip: { before: Float32Array[]; after: Float32Array[] } | undefined;
    // The real model, its trainStep watched; at SKIP_AT one token's loss weight is made infinite,
    // which makes every gradient NaN.
    const factory: ModelFactory = async (config, init, run) => {
      initial = init.params.slice();
      const model = await modelFactory(g)(config, init, run);
      const watched: TrainableModel = {
        decodeBatch: model.decodeBatch,
        evalLoss: (b) => model.evalLoss(b),
        greedy: (p, n, stop) => model.greedy(p, n, stop),
        snapshot: () => model.snapshot(),
        async trainStep(batches: Batch[], lr: number, step: number) {
          calls.push({ step, lr, micro: batches.length });
          if (step !== SKIP_AT) return model.trainStep(batches, lr, step);
          const snap = async () => Object.values(await model.snapshot());
          const before = await snap();
          const mask = batches[0].mask.slice();
          mask[mask.indexOf(1)] = Infinity;
          const r = await model.trainStep([{ ...batches[0], mask }, ...batches.slice(1)], lr, step);
          aroundSkip = { before, after: await snap() };
          return r;
        },
      };
      return watched;
    };
    const out = mkdtempSync(join(tmpdir(), 'train-stage-'));
    const result = await runTraining(cfg, { gpu: g, store, reporter: callbackReporter(), out, createModel: factory });
    const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n');
    const rows = lines.map((l) => JSON.parse(l)).filter((r) => r.loss !== undefined); // step rows, not evaluations

    // Every step once, K micro-batches each, the lr logged being the lr the model was given.
    expect(result.steps).toBe(STEPS);
    expect(rows.map((r) => r.step)).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(calls.map((c) => c.step)).toEqual(rows.map((r) => r.step));
    expect(calls.every((c) => c.micro === cfg.grad_accum)).toBe(true);
    expect(calls.map((c) => c.lr)).toEqual(rows.map((r) => r.lr));
    // The schedule step by step (ts/train/schedule.ts), and hand-computed points of it: 4 warm-up
    // steps (ceil(0.1 * 40)) rising to the peak, half-way down the cosine after 18 of its 36
    // steps, the floor at the last step.
    for (const r of rows) expect(r.lr, `step ${r.step}`).toBe(lrAt(r.step - 1, STEPS, cfg));
    const lr = (step: number) => rows[step - 1].lr;
    expect(lr(1)).toBeCloseTo(cfg.learning_rate / 4, 15);
    expect(lr(3)).toBeCloseTo((3 * cfg.learning_rate) / 4, 15);
    expect(lr(4)).toBe(cfg.learning_rate);
    expect(lr(4 + 18)).toBeCloseTo((cfg.learning_rate + cfg.min_lr) / 2, 15);
    expect(lr(STEPS)).toBeCloseTo(cfg.min_lr, 15);
    for (let s = 5; s <= STEPS; s++) expect(lr(s)).toBeLessThan(lr(s - 1));

    // The skipped step: logged so, the weights and both AdamW moments untouched.
    const skipped = rows.filter((r) => r.skipped);
    expect(skipped.map((r) => [r.step, r.grad_norm])).toEqual([[SKIP_AT, null]]);
    expect(aroundSkip!.after.map((a, k) => bitIdentical(a, aroundSkip!.before[k]))).toEqual([true, true, true]);

    // Learning: the mean loss of the last 5 steps well below that of the first 3 (about ln of
    // the vocabulary at the start), and every tensor moved from its initial values.
    const mean = (rs: { loss: number }[]) => rs.reduce((a, r) => a + r.loss, 0) / rs.length;
    const first = mean(rows.slice(0, 3)),
      last = mean(rows.slice(-5));
    expect(last, `loss ${first} -> ${last}`).toBeLessThan(first - 2);
    expect(result.finalLoss).toBe(rows[STEPS - 1].loss);
    const final = await loadCheckpoint(store, result.checkpoint, paramLayout);
    for (const s of paramLayout(final.config).slots) {
      const now = final.params.subarray(s.offset, s.offset + s.size);
      const was = initial!.subarray(s.offset, s.offset + s.size);
      const moved = now.reduce((a, x, i) => a + Math.abs(x - was[i]), 0) / s.size;
      expect(moved, `${s.name}: mean |change| ${moved}`).toBeGreaterThan(1e-3);
    }
  });
});
