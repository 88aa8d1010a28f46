// One optimizer step of the model: gradient accumulation over micro-batches of unequal counted
// tokens equals the step on the whole batch at once; a non-finite gradient norm leaves weights and
// optimizer state untouched; weight decay reaches exactly the matrices and the (tied) embedding.
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { TrainingModel } from '../../ts/model/training.js';
import { paramLayout } from '../../ts/model/params.js';
import { refGradNorm } from '../../ts/ref/adamw.js';
import { refModelForward } from '../../ts/ref/model.js';
import type { Batch } from '../../ts/model/batch.js';
import { centralDifference } from '../util/gradcheck.js';
import { perturbedParams } from '../util/params.js';
import { rng, testSeed } from '../util/random.js';
import { bitIdentical, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const V = 61;
const config = preset('tiny', V);
const layout = paramLayout(config);
const B = 2,
  S = 12,
  K = 3; // K micro-batches of B rows
const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 };

/** A micro-batch whose first `counted` positions count (the rest are masked out). */
function microBatch(counted: number): Batch {
  const n = B * S;
  return {
    ids: Uint32Array.from({ length: n }, () => Math.floor(rand() * V)),
    targets: Uint32Array.from({ length: n }, () => Math.floor(rand() * V)),
    mask: Float32Array.from({ length: n }, (_, i) => (i < counted ? 1 : 0)),
  };
}

/** The micro-batches as one batch of K * B rows. */
function concat(bs: Batch[]): Batch {
  const join = <T extends Uint32Array | Float32Array>(out: T, part: (b: Batch) => T) => {
    bs.forEach((b, k) => out.set(part(b), k * B * S));
    return out;
  };
  const n = bs.length * B * S;
  return {
    ids: join(new Uint32Array(n), (b) => b.ids),
    targets: join(new Uint32Array(n), (b) => b.targets),
    mask: join(new Float32Array(n), (b) => b.mask),
  };
}

const randomParams = () => perturbedParams(config, layout, rand);

describe(`training step (seed ${seed})`, () => {
  it('accumulating micro-batches of unequal counted tokens equals one step on the whole batch', async () => {
    const g = await testGpu();
    const params = randomParams();
    // 24, 5 and 13 counted tokens: a per-micro-batch mean, or a 1/K mean of means, differs from
    // the mean over all 42 tokens; an overwrite keeps only the last micro-batch.
    const micro = [microBatch(24), microBatch(5), microBatch(13)];
    const whole = concat(micro);
    const acc = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
    const one = new TrainingModel(g, config, { params }, { batch: K * B, seqLen: S }, hyper);
    const lr = 1e-2;
    const stepAcc = await acc.trainStep(micro, lr, 1);
    const accGrads = await g.read(acc.grads, Float32Array);
    const stepOne = await one.trainStep([whole], lr, 1);
    const oneGrads = await g.read(one.grads, Float32Array);

    // The loss against the f64 reference on the whole batch.
    const p64 = Float64Array.from(params);
    const f = () => refModelForward(config, p64, { ...whole, B: K * B, S }).loss;
    const refLoss = f();
    expect(Math.abs(stepAcc.loss - refLoss) / refLoss).toBeLessThan(1e-5);
    // Gradients: the same sums in another order, so equal to f32 rounding (1e-5 of the largest).
    const big = oneGrads.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
    const r = worstRatio(accGrads, oneGrads, (i) => 1e-4 * Math.abs(oneGrads[i]) + 1e-5 * big);
    expect(r.ratio, `grad[${r.at}]: accumulated ${accGrads[r.at]}, whole batch ${oneGrads[r.at]}`).toBeLessThanOrEqual(
      1,
    );
    // A few entries against finite differences of the reference, for the scale itself.
    for (const s of layout.slots.filter((_, k) => k % 4 === 1)) {
      const i = s.offset + Math.floor(rand() * s.size);
      const fd = centralDifference(f, p64, i, 1e-4);
      const err = Math.abs(accGrads[i] - fd);
      expect(err, `${s.name}: gpu ${accGrads[i]} fd ${fd}`).toBeLessThanOrEqual(2e-3 * Math.abs(fd) + 2e-5);
    }
    // The norm the clip used, and the update it made.
    const norm = refGradNorm(oneGrads, 0).norm;
    expect(Math.abs(stepAcc.gradNorm - norm) / norm).toBeLessThan(1e-5);
    expect(Math.abs(stepAcc.gradNorm - stepOne.gradNorm) / norm).toBeLessThan(1e-5);
    const a = await acc.snapshot(),
      b = await one.snapshot();
    // AdamW's first step moves each weight by about lr * sign(grad): compared at 1e-3 of that
    // where the gradient stands clear of rounding (a gradient within rounding of 0 may flip sign).
    const clear = (i: number) => Math.abs(oneGrads[i]) > 1e-4 * big;
    const rp = worstRatio(a.params, b.params, (i) => (clear(i) ? 1e-3 * lr : 2 * lr));
    const at = rp.at;
    expect(rp.ratio, `param[${at}]: accumulated ${a.params[at]}, whole batch ${b.params[at]}`).toBeLessThanOrEqual(1);
    expect(bitIdentical(a.params, params)).toBe(false);
  });

  it('a non-finite gradient norm skips the update: weights and AdamW moments stay bit-identical', async () => {
    const g = await testGpu();
    const model = new TrainingModel(g, config, { params: randomParams() }, { batch: B, seqLen: S }, hyper);
    await model.trainStep([microBatch(20)], 1e-2, 1); // moments nonzero, as mid-run
    const before = await model.snapshot();
    // A NaN and an Inf gradient written into the accumulated gradients.
    for (const bad of [NaN, Infinity]) {
      await model.zeroGrads();
      const s = layout.byName.get('model.layers.1.mlp.up_proj.weight')!;
      g.write(model.grads, Float32Array.of(bad), (s.offset + 3) * 4);
      const { gradNorm } = await model.applyUpdate(1e-2, 2);
      expect(Number.isFinite(gradNorm), `norm ${gradNorm} from a ${bad} gradient`).toBe(false);
      const after = await model.snapshot();
      for (const k of ['params', 'm', 'v'] as const) {
        expect(bitIdentical(after[k], before[k]), `${k} after a ${bad} gradient`).toBe(true);
      }
    }
    // Through trainStep: an infinite loss weight on one token makes every gradient NaN.
    const poisoned = microBatch(20);
    poisoned.mask[2] = Infinity;
    const step = await model.trainStep([poisoned], 1e-2, 2);
    expect(Number.isFinite(step.gradNorm)).toBe(false);
    const after = await model.snapshot();
    for (const k of ['params', 'm', 'v'] as const) {
      expect(bitIdentical(after[k], before[k]), `${k} after a poisoned batch`).toBe(true);
    }
    // The next finite step updates again.
    expect(Number.isFinite((await model.trainStep([microBatch(20)], 1e-2, 2)).gradNorm)).toBe(true);
    expect(bitIdentical((await model.snapshot()).params, before.params)).toBe(false);
  });

  it('weight decay shrinks the matrices and the tied embedding, not norm gains or biases', async () => {
    // The usual rule (Hugging Face Trainer, nanoGPT): every weight matrix, the embedding included,
    // decays; RMSNorm gains and biases do not. Decided here by name, not by the layout's flags.
    const decays = (name: string) => /proj\.weight$/.test(name) || name === 'model.embed_tokens.weight';
    expect(layout.slots.filter((s) => !decays(s.name)).length).toBe(1 + 5 * config.num_hidden_layers);
    const g = await testGpu();
    const params = randomParams();
    const model = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
    // With zero gradients AdamW's step is 0: what moves a weight is the decay alone.
    await model.zeroGrads();
    const lr = 0.5;
    await model.applyUpdate(lr, 1);
    const got = (await model.snapshot()).params;
    const factor = 1 - lr * hyper.weight_decay;
    for (const s of layout.slots) {
      const was = params.subarray(s.offset, s.offset + s.size),
        now = got.subarray(s.offset, s.offset + s.size);
      if (!decays(s.name)) {
        expect(bitIdentical(now, was), `${s.name} must not decay`).toBe(true);
        continue;
      }
      const r = worstRatio(
        now,
        was.map((x) => x * factor),
        (i) => 1e-6 * Math.abs(was[i]) + 1e-30,
      );
      expect(r.ratio, `${s.name}[${r.at}]: ${now[r.at]}, want ${was[r.at]} * ${factor}`).toBeLessThanOrEqual(1);
    }
  });
});
