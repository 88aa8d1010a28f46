// The whole model: forward against the f64 reference, gradients against finite differences of the
// reference, bit-identical training from one seed, and greedy decoding against the full forward.
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { TrainingModel } from '../../ts/model/training.js';
import { paramLayout } from '../../ts/model/params.js';
import { refModelForward } from '../../ts/ref/model.js';
import type { Batch } from '../../ts/model/batch.js';
import { perturbedParams } from '../util/params.js';
import { rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);
const V = 61; // not a multiple of 4: the embedding's padded rows are exercised
const config = preset('tiny', V);
const layout = paramLayout(config);
const B = 2,
  S = 12;
const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 };

function randomBatch(): Batch {
  const n = B * S;
  const ids = Uint32Array.from({ length: n }, () => Math.floor(rand() * V));
  const targets = Uint32Array.from({ length: n }, () => Math.floor(rand() * V));
  const mask = Float32Array.from({ length: n }, (_, i) => (i % 5 === 3 ? 0 : 1));
  return { ids, targets, mask };
}

const randomParams = () => perturbedParams(config, layout, rand);

describe(`model (seed ${seed})`, () => {
  it('forward matches the f64 reference (logits and loss)', async () => {
    const g = await testGpu();
    const params = randomParams();
    const batch = randomBatch();
    const model = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
    const ref = refModelForward(config, params, { ...batch, B, S });
    const logits = await model.logits(batch);
    const Vp = Math.ceil(V / 4) * 4;
    let worst = 0;
    for (let t = 0; t < B * S; t++)
      for (let j = 0; j < V; j++) worst = Math.max(worst, Math.abs(logits[t * Vp + j] - ref.logits[t * V + j]));
    expect(worst, `seed ${seed}`).toBeLessThan(1e-4);
    const loss = await model.evalLoss(batch);
    expect(Math.abs(loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
  });

  it("every tensor's gradient matches central finite differences of the f64 reference", async () => {
    const g = await testGpu();
    const params = randomParams();
    const batch = randomBatch();
    const model = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
    const { grads } = await model.lossAndGrads(batch);
    const p64 = Float64Array.from(params);
    const f = () => refModelForward(config, p64, { ...batch, B, S }).loss;
    const h = 1e-4;
    for (const s of layout.slots) {
      // Two entries per tensor; for the embedding, rows of ids that occur (others have no gradient).
      for (let j = 0; j < 2; j++) {
        const i = s.name.includes('embed')
          ? s.offset + batch.ids[j * 7] * config.hidden_size + Math.floor(rand() * config.hidden_size)
          : s.offset + Math.floor(rand() * s.size);
        const fd = centralDifference(f, p64, i, h);
        expect(
          Math.abs(grads[i] - fd),
          `${s.name}[${i - s.offset}]: gpu ${grads[i]} fd ${fd} (seed ${seed})`,
        ).toBeLessThanOrEqual(2e-3 * Math.abs(fd) + 2e-5);
      }
    }
  });

  it('training is deterministic: two runs from one seed give bit-identical weights', async () => {
    const g = await testGpu();
    const params = randomParams();
    const batches = [randomBatch(), randomBatch(), randomBatch()];
    const run = async () => {
      const m = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
      for (let s = 0; s < 3; s++) await m.trainStep([batches[s]], 1e-2, s + 1);
      return (await m.snapshot()).params;
    };
    const a = await run();
    const b = await run();
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    expect(Buffer.from(a.buffer).equals(Buffer.from(params.buffer))).toBe(false);
  });

  it('greedy decoding with the KV cache equals argmax of the full forward, token by token', async () => {
    const g = await testGpu();
    const params = randomParams();
    const model = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
    const prompts = [Int32Array.from([5, 9, 2]), Int32Array.from([7, 1, 3, 3, 8, 4])];
    const maxNew = 5;
    const got = await model.greedy(prompts, maxNew, -1);
    for (let b = 0; b < prompts.length; b++) {
      expect(got[b].length).toBe(maxNew);
      const seq = Array.from(prompts[b]);
      for (const token of got[b]) {
        // The reference's best token at this point; a different pick is only allowed within f32
        // noise of the best logit (a near tie).
        const { logits } = refModelForward(config, params, {
          ids: seq,
          targets: seq.map(() => 0),
          mask: seq.map(() => 1),
          B: 1,
          S: seq.length,
        });
        const row = logits.subarray((seq.length - 1) * V, seq.length * V);
        const best = Math.max(...row);
        expect(
          best - row[token],
          `prompt ${b} position ${seq.length}: token ${token}, best ${row.indexOf(best)}`,
        ).toBeLessThan(1e-5);
        seq.push(token);
      }
    }
  });
});
