// Decoding on the GPU (ts/model/decoder.ts): sampled tokens' log-probabilities against a training
// forward over the same sequences, temperature 0 against greedy, greedy against the plain f64
// reference model, top-k / top-p reaching the sampler, groups, and seeds.
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { InferenceModel } from '../../ts/model/inference.js';
import { TrainingModel } from '../../ts/model/training.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { refModelForward } from '../../ts/ref/model.js';
import { refKeptSet, refLogprob } from '../../ts/ref/sample.js';
import { rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const V = 61;
const config = preset('tiny', V);
const Vp = Math.ceil(V / 4) * 4;
const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, clip: 0 };
const S = 82; // longest prompt + completion (a prompt over 64 tokens: the prefill head starts at row 64)
const maxNew = 12;

/** Random weights; embeddings scaled up (default) so the distributions are far from uniform (top-k / top-p matter). */
function params(embedScale = 20): Float32Array {
  const layout = paramLayout(config);
  const p = initParams(config, layout, 1 + Math.floor(rand() * 1000));
  const e = layout.byName.get('model.embed_tokens.weight')!;
  for (let i = 0; i < e.size; i++) p[e.offset + i] *= embedScale;
  return p;
}

const prompts = () => [3, 7, 1, 70].map((n) => Int32Array.from({ length: n }, () => Math.floor(rand() * V)));

/** Logits of the training forward over each prompt + completion, padded to S (rows of Vp). */
async function forwardLogits(model: TrainingModel, seqs: number[][]): Promise<Float32Array> {
  const ids = new Uint32Array(model.shape.batch * S);
  seqs.forEach((s, r) => ids.set(s, r * S));
  return model.logits({ ids, targets: new Uint32Array(ids.length), mask: new Float32Array(ids.length).fill(1) });
}

describe(`decoding (seed ${seed})`, () => {
  it('sampled log-probabilities equal log_softmax(logits / T) of a training forward over the same sequences', async () => {
    const g = await testGpu();
    const ps = prompts(),
      group = 3;
    // Decode batch above the training batch: 4 prompts x 3 sequences.
    const model = new TrainingModel(
      g,
      config,
      { params: params() },
      { batch: ps.length * group, seqLen: S, decodeBatch: 16 },
      hyper,
    );
    for (const o of [{ temperature: 0.8 }, { temperature: 1.3, topK: 5, topP: 0.9 }, { temperature: 0 }]) {
      const out = await model.sample(ps, { maxNew, stopId: -1, seed: Math.floor(rand() * 1e9), group, ...o });
      expect(out.logprobTemperature).toBe(o.temperature || 1);
      const seqs = out.tokens.map((t, r) => [...ps[Math.floor(r / group)], ...t]);
      const logits = await forwardLogits(model, seqs);
      let worst = 0;
      out.tokens.forEach((toks, r) => {
        const n = ps[Math.floor(r / group)].length;
        expect(toks.length).toBe(maxNew);
        toks.forEach((tok, i) => {
          const at = (r * S + n + i - 1) * Vp;
          worst = Math.max(
            worst,
            Math.abs(out.logprobs[r][i] - refLogprob(logits.subarray(at, at + V), tok, out.logprobTemperature)),
          );
        });
      });
      expect(worst, `${JSON.stringify(o)} (seed ${seed})`).toBeLessThan(1e-5);
    }
  });

  it('temperature 0 is greedy: the same tokens as greedy(), argmax of the training forward', async () => {
    const g = await testGpu();
    const ps = prompts();
    const model = new TrainingModel(g, config, { params: params() }, { batch: ps.length, seqLen: S }, hyper);
    const sampled = await model.sample(ps, { maxNew, stopId: -1, temperature: 0, seed: 5 });
    const greedy = await model.greedy(ps, maxNew, -1);
    expect(sampled.tokens.map((t) => Array.from(t))).toEqual(greedy.map((t) => Array.from(t)));
    const logits = await forwardLogits(
      model,
      sampled.tokens.map((t, r) => [...ps[r], ...t]),
    );
    sampled.tokens.forEach((toks, r) =>
      toks.forEach((tok, i) => {
        const row = logits.subarray((r * S + ps[r].length + i - 1) * Vp, (r * S + ps[r].length + i - 1) * Vp + V);
        expect(Math.max(...row) - row[tok], `row ${r} token ${i}`).toBeLessThan(1e-5);
      }),
    );
  });

  it('greedy() takes the argmax of the plain f64 reference model (ts/ref/model.ts) at every step', async () => {
    const g = await testGpu();
    const ps = prompts();
    // Attention weights scaled up: attention (so the cache and the positions) decides the argmax, not
    // the current token's embedding alone (at init scale, decoding at shifted positions passed).
    const weights = params(5);
    for (const t of paramLayout(config).slots)
      if (/attn\.[qkvo]_proj\.weight/.test(t.name)) for (let i = 0; i < t.size; i++) weights[t.offset + i] *= 10;
    const model = new InferenceModel(g, config, weights, { decodeBatch: ps.length });
    const greedy = await model.greedy(ps, maxNew, -1);
    let decided = 0;
    greedy.forEach((toks, r) => {
      expect(toks.length).toBe(maxNew);
      // One reference forward over prompt + completion: row n + i - 1 predicts completion token i.
      const seq = [...ps[r], ...toks];
      const S1 = seq.length - 1;
      const { logits } = refModelForward(config, weights, {
        ids: seq.slice(0, S1),
        targets: seq.slice(1),
        mask: new Array(S1).fill(1),
        B: 1,
        S: S1,
      });
      toks.forEach((tok, i) => {
        const row = Array.from(logits.subarray((ps[r].length + i - 1) * V, (ps[r].length + i) * V));
        const best = Math.max(...row);
        // f32 on the GPU may pick another of two values within a hair of each other.
        expect(best - row[tok], `row ${r} token ${i} (seed ${seed})`).toBeLessThan(1e-4);
        if (row.filter((x) => x > best - 1e-3).length === 1) decided++;
      });
    });
    expect(decided).toBeGreaterThan(0.9 * ps.length * maxNew);
  });

  it('top-k and top-p reach the sampler: every draw lies in the kept set of a training forward', async () => {
    const g = await testGpu();
    const ps = prompts(),
      group = 3,
      temperature = 1.5;
    // Near-uniform distributions (embeddings unscaled): a draw outside the filter's few tokens would
    // come up many times over 144 draws if the filter were dropped.
    const model = new TrainingModel(
      g,
      config,
      { params: params(1) },
      { batch: ps.length * group, seqLen: S, decodeBatch: ps.length * group },
      hyper,
    );
    const greedy = (await model.greedy(ps, maxNew, -1)).map((t) => Array.from(t));
    for (const filter of [{ topK: 1 }, { topP: 1e-6 }]) {
      const out = await model.sample(ps, {
        maxNew,
        stopId: -1,
        temperature,
        seed: Math.floor(rand() * 1e9),
        ...filter,
      });
      expect(
        out.tokens.map((t) => Array.from(t)),
        JSON.stringify(filter),
      ).toEqual(greedy);
    }
    for (const filter of [{ topK: 3 }, { topP: 0.3 }, { topK: 4, topP: 0.5 }]) {
      const out = await model.sample(ps, {
        maxNew,
        stopId: -1,
        temperature,
        seed: Math.floor(rand() * 1e9),
        group,
        ...filter,
      });
      const logits = await forwardLogits(
        model,
        out.tokens.map((t, r) => [...ps[Math.floor(r / group)], ...t]),
      );
      let notArgmax = 0;
      out.tokens.forEach((toks, r) =>
        toks.forEach((tok, i) => {
          const at = (r * S + ps[Math.floor(r / group)].length + i - 1) * Vp;
          const row = logits.subarray(at, at + V);
          // A hair of slack at the top-p edge (f32 sums): the set of a slightly larger p.
          const loose = { temperature, topK: filter.topK, topP: filter.topP && filter.topP + 1e-4 };
          expect(refKeptSet(row, loose)[tok], `${JSON.stringify(filter)} row ${r} token ${i}`).toBe(true);
          if (row[tok] < Math.max(...row)) notArgmax++;
        }),
      );
      expect(notArgmax, `${JSON.stringify(filter)}: the filter keeps more than the argmax`).toBeGreaterThan(0);
    }
  });

  it('stops after the stop token; one seed gives the same samples, another seed other samples', async () => {
    const g = await testGpu();
    const ps = prompts(),
      group = 2;
    // Near-uniform distributions: two sequences agreeing on 12 draws by chance is negligible.
    const model = new TrainingModel(
      g,
      config,
      { params: params(1) },
      { batch: 2, seqLen: S, decodeBatch: ps.length * group },
      hyper,
    );
    const o = { maxNew, temperature: 1.5, seed: 2 ** 40 + 17, group };
    const free = await model.sample(ps, { ...o, stopId: -1 });
    const again = await model.sample(ps, { ...o, stopId: -1 });
    expect(again).toEqual(free);
    const other = await model.sample(ps, { ...o, stopId: -1, seed: o.seed + 1 });
    expect(other.tokens.map((t) => Array.from(t))).not.toEqual(free.tokens.map((t) => Array.from(t)));
    // The group's sequences of one prompt draw from different counters.
    expect(Array.from(free.tokens[0])).not.toEqual(Array.from(free.tokens[1]));
    // Stopping at the first token of row 0 ends that row there; the others are unchanged up to their own stop.
    const stopId = free.tokens[0][0];
    const stopped = await model.sample(ps, { ...o, stopId });
    stopped.tokens.forEach((t, r) => {
      const cut = free.tokens[r].indexOf(stopId);
      expect(Array.from(t)).toEqual(Array.from(cut < 0 ? free.tokens[r] : free.tokens[r].subarray(0, cut + 1)));
    });
    await expect(model.sample(ps, { ...o, stopId: -1, group: 3 })).rejects.toThrow(/decodeBatch/);
  });
});
