// The inference model (ts/model/inference.ts) against the training model (ts/model/training.ts):
// what each allocates, counted from the parameter layout and the config, and the same samples and
// log-probabilities, bit for bit, from the same weights and seed.
import { describe, expect, it, vi } from 'vitest';
import type { Gpu } from '../../ts/gpu/device.js';
import type { Batch } from '../../ts/model/batch.js';
import { headDim, preset, type Qwen2Config } from '../../ts/model/config.js';
import { InferenceModel } from '../../ts/model/inference.js';
import { paramLayout } from '../../ts/model/params.js';
import { TrainingModel } from '../../ts/model/training.js';
import { perturbedParams } from '../util/params.js';
import { rng, testSeed } from '../util/random.js';
import { bitIdentical, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const V = 61;
const B = 2,
  S = 12,
  T = B * S;
const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 };
const tiny = preset('tiny', V);
const deeper: Qwen2Config = { ...tiny, num_hidden_layers: 2 * tiny.num_hidden_layers };

/** Bytes and labels of the GPU buffers `make` creates (sizes rounded as Gpu.buffer rounds them). */
function allocations(g: Gpu, make: () => unknown): { bytes: number; labels: string[] } {
  const spy = vi.spyOn(g, 'buffer');
  try {
    make();
    const calls = spy.mock.calls as [number, string?][];
    const bytes = calls.reduce((a, [b]) => a + Math.max(4, Math.ceil(b / 4) * 4), 0);
    return { bytes, labels: calls.map(([, l]) => l ?? '') };
  } finally {
    spy.mockRestore();
  }
}

/** Floats one layer's forward keeps per token for the backward (h1, h2, xMid; q, o; k, v; gate, up, act). */
function savedPerToken(c: Qwen2Config): number {
  const hd = headDim(c);
  return 3 * c.hidden_size + 2 * c.num_attention_heads * hd + 2 * c.num_key_value_heads * hd + 3 * c.intermediate_size;
}

function randomBatch(): Batch {
  return {
    ids: Uint32Array.from({ length: T }, () => Math.floor(rand() * V)),
    targets: Uint32Array.from({ length: T }, () => Math.floor(rand() * V)),
    mask: Float32Array.from({ length: T }, (_, i) => (i % 5 === 3 ? 0 : 1)),
  };
}

describe(`inference model (seed ${seed})`, () => {
  it('holds parameters and the RoPE table only; the training model adds gradients, moments, activations', async () => {
    const g = await testGpu();
    for (const c of [tiny, deeper]) {
      const total = paramLayout(c).total;
      const params = perturbedParams(c, paramLayout(c), rand);
      const rope = c.max_position_embeddings * headDim(c);
      const inf = allocations(g, () => new InferenceModel(g, c, params, { decodeBatch: 4 }));
      expect(inf.bytes, `${c.num_hidden_layers} layers`).toBe(4 * (total + rope));
      expect(inf.labels).not.toContain('grads');
      expect(inf.labels).not.toContain('adam.m');
      const train = allocations(g, () => new TrainingModel(g, c, { params }, { batch: B, seqLen: S }, hyper));
      expect(train.labels).toEqual(expect.arrayContaining(['grads', 'adam.m', 'adam.v']));
      // Gradients and two moments of the layout's size, and each layer's saved activations.
      const saved = c.num_hidden_layers * T * savedPerToken(c);
      expect(train.bytes - inf.bytes).toBeGreaterThanOrEqual(4 * (3 * total + saved));
    }
  });

  it("a scoring model's forward buffers do not grow with the number of layers; the training model's do", async () => {
    const g = await testGpu();
    const beyondParams = (c: Qwen2Config, make: (p: Float32Array) => unknown, moments: number) => {
      const p = perturbedParams(c, paramLayout(c), rand);
      return allocations(g, () => make(p)).bytes - 4 * (1 + moments) * paramLayout(c).total;
    };
    const rows = { batch: B, seqLen: S };
    const score = (c: Qwen2Config) => beyondParams(c, (p) => new InferenceModel(g, c, p, { score: rows }), 0);
    const train = (c: Qwen2Config) => beyondParams(c, (p) => new TrainingModel(g, c, { params: p }, rows, hyper), 3);
    expect(score(deeper)).toBe(score(tiny));
    const extraLayers = deeper.num_hidden_layers - tiny.num_hidden_layers;
    expect(train(deeper) - train(tiny)).toBeGreaterThanOrEqual(4 * extraLayers * T * savedPerToken(tiny));
  });

  it('samples and scores bit for bit as the training model does from the same weights and seed', async () => {
    const g = await testGpu();
    const params = perturbedParams(tiny, paramLayout(tiny), rand);
    // Embeddings scaled up: distributions far from uniform, so a wrong forward changes the picks.
    const e = paramLayout(tiny).byName.get('model.embed_tokens.weight')!;
    for (let i = 0; i < e.size; i++) params[e.offset + i] *= 20;
    const train = new TrainingModel(g, tiny, { params }, { batch: B, seqLen: S, decodeBatch: 6 }, hyper);
    const inf = new InferenceModel(g, tiny, params, { decodeBatch: 6, score: { batch: B, seqLen: S } });
    const prompts = [Int32Array.from([5, 9, 2]), Int32Array.from([7, 1, 3, 3, 8, 4])];
    const draws = 1 + Math.floor(rand() * 1e6);
    const o = { maxNew: 8, stopId: -1, temperature: 0.9, topK: 20, topP: 0.95, seed: draws, group: 3 };
    const a = await train.sample(prompts, o);
    const b = await inf.sample(prompts, o);
    expect(b.tokens).toEqual(a.tokens);
    a.logprobs.forEach((lp, r) => expect(bitIdentical(b.logprobs[r], lp), `row ${r}`).toBe(true));
    expect(await inf.greedy(prompts, 8, -1)).toEqual(await train.greedy(prompts, 8, -1));
    // The RL reference's log-probabilities of given tokens, at a sampling temperature.
    for (const batch of [randomBatch(), randomBatch()]) {
      const want = await train.tokenLogprobs(batch, 1 / 0.9);
      const got = await inf.tokenLogprobs(batch, 1 / 0.9);
      expect(bitIdentical(got.logp, want.logp), 'logp').toBe(true);
      expect(bitIdentical(got.entropy, want.entropy), 'entropy').toBe(true);
    }
  });

  it('says which part of its shape a call needs', async () => {
    const g = await testGpu();
    const params = perturbedParams(tiny, paramLayout(tiny), rand);
    const decodeOnly = new InferenceModel(g, tiny, params, { decodeBatch: 2 });
    await expect(decodeOnly.tokenLogprobs(randomBatch())).rejects.toThrow(/without score rows/);
    const scoreOnly = new InferenceModel(g, tiny, params, { score: { batch: B, seqLen: S } });
    await expect(scoreOnly.greedy([Int32Array.from([1])], 2, -1)).rejects.toThrow(/without a decodeBatch/);
    const tooLong = { batch: 1, seqLen: tiny.max_position_embeddings + 1 };
    expect(() => new InferenceModel(g, tiny, params, { score: tooLong })).toThrow(/exceeds/);
    expect(() => new InferenceModel(g, tiny, params.subarray(1), { decodeBatch: 1 })).toThrow(/layout needs/);
  });
});
