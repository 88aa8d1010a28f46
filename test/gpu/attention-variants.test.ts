// Every attention forward variant (ts/ops/attention_tiled.ts) gives the same bits as the lavapipe
// forward on the same adapter (o and lse), at sequence lengths that are not multiples of any tile or
// workgroup, grouped heads and head dimensions 32 and 64 (R and the head dimension uniforms, as CPU
// adapters run them: one pipeline) and 16 (pipeline constants, as GPUs run them; at 32 or 64 that
// compiles for tens of seconds here): fresh random inputs, outputs poisoned with NaN.
// Agreement with ts/ref is test/gpu/attention.test.ts's job (on the lavapipe forward), so it holds
// for the variants too. Then choosing the variant per device (ts/ops/attention_select.ts, on
// ts/ops/select.ts): forced, the CPU adapters' default, the timed trial with its bit check, its cache.
// One file, so the tiles' pipeline (seconds to compile on a CPU adapter) compiles once.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ATTENTION_VARIANTS,
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  attentionVariant,
  setAttentionVariant,
  type AttentionShape,
  type AttentionVariant,
} from '../../ts/ops/attention.js';
import { selectAttention } from '../../ts/ops/attention_select.js';
import { ATTENTION_TILES, attentionTileRefusal } from '../../ts/ops/attention_tiled.js';
import { chooseVariant } from '../../ts/ops/select.js';
import { headDim, preset } from '../../ts/model/config.js';
import { paramLayout } from '../../ts/model/params.js';
import { TrainingModel } from '../../ts/model/training.js';
import { perturbedParams } from '../util/params.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { bitIdentical, firstDiff, poisoned, selectionGpu, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const tiled = ATTENTION_VARIANTS.filter((v) => v !== 'lavapipe');

type Case = AttentionShape & { qScale?: number; unroll: boolean; only?: AttentionVariant };

/** o and lse of each variant on the same fresh inputs (q times qScale: a peakier softmax). */
async function forwards(x: Case, variants: AttentionVariant[]) {
  const g = await testGpu();
  const T = x.B * x.S;
  const q = g.upload(randomArray(T * x.H * x.hd, rand, -(x.qScale ?? 1), x.qScale ?? 1)),
    k = g.upload(randomArray(T * x.KVH * x.hd, rand)),
    v = g.upload(randomArray(T * x.KVH * x.hd, rand));
  const outs = variants.map((variant) => ({ o: poisoned(g, T * x.H * x.hd), lse: poisoned(g, T * x.H), variant }));
  await g.run(outs.map((out) => attentionForward({ ...x, q, k, v, ...out, unroll: x.unroll })).flat());
  const read = async (b: GPUBuffer) => g.read(b, Float32Array);
  return Promise.all(outs.map(async (out) => ({ o: await read(out.o), lse: await read(out.lse) })));
}

/**
 * Runs `outputs` on the lavapipe kernels and the case's tiled variants: every output of each variant
 * holds the lavapipe kernels' bits, which hold no NaN (every element written).
 */
async function expectSameBits(
  x: Case,
  outputs: (x: Case, variants: AttentionVariant[]) => Promise<Record<string, Float32Array>[]>,
) {
  const variants = x.only ? [x.only] : tiled;
  const [want, ...got] = await outputs(x, ['lavapipe', ...variants]);
  for (const [name, bits] of Object.entries(want)) {
    expect(bits.some(Number.isNaN), `lavapipe ${name}`).toBe(false);
    variants.forEach((variant, i) => {
      expect(bitIdentical(got[i][name], bits), `${variant} ${name}: ${firstDiff(got[i][name], bits)}`).toBe(true);
    });
  }
}

describe(`attention forward variants are bit-identical to the lavapipe forward (seed ${seed})`, () => {
  const shapes: Case[] = [
    { B: 2, S: 45, H: 4, KVH: 2, hd: 32, unroll: false },
    { B: 1, S: 131, H: 3, KVH: 1, hd: 64, unroll: false },
    { B: 3, S: 70, H: 6, KVH: 2, hd: 32, qScale: 4, unroll: false },
    { B: 1, S: 1, H: 2, KVH: 2, hd: 64, unroll: false },
    { B: 1, S: 66, H: 2, KVH: 1, hd: 64, qScale: 4, unroll: false },
    { B: 1, S: 67, H: 3, KVH: 3, hd: 16, qScale: 4, unroll: true, only: 'tiled128' },
  ];
  for (const s of shapes) it(JSON.stringify(s), () => expectSameBits(s, forwards));
  it('each tile fits the default WebGPU limits, and a smaller limit refuses it by name', async () => {
    const g = await testGpu();
    for (const t of Object.values(ATTENTION_TILES)) expect(attentionTileRefusal(t, g.limits)).toBeUndefined();
    const small = { ...g.limits, maxComputeWorkgroupStorageSize: 8192 } as GPUSupportedLimits;
    expect(attentionTileRefusal(ATTENTION_TILES.tiled64, small)).toMatch(/maxComputeWorkgroupStorageSize 8192/);
  });
});

/** dq, D, dk and dv of each variant's backward on the same fresh inputs and the lavapipe forward's o and lse. */
async function backwards(x: Case, variants: AttentionVariant[]) {
  const g = await testGpu();
  const T = x.B * x.S;
  const Q = T * x.H * x.hd,
    KV = T * x.KVH * x.hd;
  const io = {
    q: g.upload(randomArray(Q, rand, -(x.qScale ?? 1), x.qScale ?? 1)),
    k: g.upload(randomArray(KV, rand)),
    v: g.upload(randomArray(KV, rand)),
    o: poisoned(g, Q),
    lse: poisoned(g, T * x.H),
  };
  const dO = g.upload(randomArray(Q, rand));
  const outs = variants.map((variant) => ({
    dq: poisoned(g, Q),
    dk: poisoned(g, KV),
    dv: poisoned(g, KV),
    scratch: poisoned(g, attentionBackwardScratch(x)),
    variant,
  }));
  await g.run([
    ...attentionForward({ ...x, ...io, variant: 'lavapipe' }),
    ...outs.map((out) => attentionBackward({ ...x, ...io, dO, ...out, unroll: x.unroll })).flat(),
  ]);
  const read = async (b: GPUBuffer) => g.read(b, Float32Array);
  return Promise.all(
    outs.map(async (out) => ({
      dq: await read(out.dq),
      D: await read(out.scratch),
      dk: await read(out.dk),
      dv: await read(out.dv),
    })),
  );
}

describe(`attention backward variants are bit-identical to the lavapipe backward (seed ${seed})`, () => {
  const shapes: Case[] = [
    { B: 2, S: 45, H: 4, KVH: 2, hd: 32, unroll: false },
    { B: 1, S: 131, H: 3, KVH: 1, hd: 64, unroll: false },
    { B: 3, S: 67, H: 6, KVH: 2, hd: 32, qScale: 4, unroll: false },
    { B: 1, S: 1, H: 2, KVH: 2, hd: 64, unroll: false },
    // The extremes of a tile: 12 queries per backward_kv tile at hd 128, 512 keys per backward_query tile at hd 4.
    { B: 1, S: 45, H: 2, KVH: 1, hd: 128, unroll: false },
    { B: 2, S: 131, H: 2, KVH: 2, hd: 4, unroll: false },
    { B: 1, S: 67, H: 3, KVH: 3, hd: 16, qScale: 4, unroll: true, only: 'tiled128' },
  ];
  for (const s of shapes) it(JSON.stringify(s), () => expectSameBits(s, backwards));
});

const shape = { B: 2, S: 40, H: 4, KVH: 2, hd: 8 };
const io = { q: null!, k: null!, v: null!, o: null!, lse: null! };
const forward = () => attentionForward({ ...shape, ...io })[0];
const backward = () =>
  attentionBackward({ ...shape, ...io, dO: null!, dq: null!, dk: null!, dv: null!, scratch: null! });

const gpuWith = (forced: Record<string, string>) => selectionGpu(forced);

describe('attention variant selection', () => {
  afterEach(() => setAttentionVariant('lavapipe'));
  it('keeps the lavapipe forward on a CPU adapter unless told otherwise, and records it', async () => {
    const g = await gpuWith({});
    setAttentionVariant('tiled64');
    expect(await selectAttention(g, shape)).toEqual({ variant: 'lavapipe', how: 'cpu-adapter' });
    expect(attentionVariant()).toBe('lavapipe');
    expect(forward().kernel.name).toBe('attention');
    expect(backward().map((d) => d.kernel.name)).toEqual(['attention', 'attention']);
    expect(g.kernels).toEqual({ attention: 'lavapipe' });
  });
  it('uses a forced variant for every later forward, with loops a CPU adapter compiles quickly', async () => {
    const g = await gpuWith({ attention: 'tiled128' });
    expect(await selectAttention(g, shape)).toEqual({ variant: 'tiled128', how: 'forced' });
    expect(forward().kernel.name).toBe('attention_tiled');
    expect(forward().constants).toEqual({ HD4: 0, RC: 0 });
    expect(backward().map((d) => [d.kernel.name, d.kernel.entry, d.constants])).toEqual([
      ['attention_tiled_bwd', 'backward_query', { HD4: 0, RC: 0 }],
      ['attention_tiled_bwd', 'backward_kv', { HD4: 0, RC: 0 }],
    ]);
    expect(g.kernels.attention).toBe('tiled128');
  });
  it('refuses an unknown variant and one the limits exclude, by name', async () => {
    await expect(selectAttention(await gpuWith({ attention: 'tiled9' }), shape)).rejects.toThrow(
      /ENGINE_ATTENTION 'tiled9' is no attention variant; use trial or one of lavapipe, tiled64, tiled128/,
    );
    const g = await gpuWith({ attention: 'tiled128' });
    const small = Object.create(g, { limits: { value: { ...g.limits, maxComputeWorkgroupStorageSize: 4096 } } });
    await expect(selectAttention(small, shape)).rejects.toThrow(
      /'tiled128' does not fit .*16384 bytes of workgroup memory \(maxComputeWorkgroupStorageSize 4096\)/,
    );
  });
  it('a trial times every eligible variant, all with the same bits here, picks the fastest, and caches it', async () => {
    const g = await gpuWith({ attention: 'trial' });
    const first = await selectAttention(g, shape);
    expect(first.how).toBe('trial');
    const ms = first.trialMs!;
    expect(Object.keys(ms)).toEqual(['lavapipe', 'tiled64', 'tiled128']);
    expect(first.differs).toBeUndefined();
    expect(ms[first.variant]).toBe(Math.min(...Object.values(ms)));
    expect(attentionVariant()).toBe(first.variant);
    expect(await selectAttention(g, shape)).toEqual({ variant: first.variant, how: 'cached' });
    expect((await selectAttention(g, { ...shape, S: 41 })).how).toBe('trial');
  });
  it('a variant the trial found to differ in bits is never chosen, however fast', async () => {
    const g = await gpuWith({ fake: 'trial' });
    const choice = await chooseVariant(g, {
      family: 'fake',
      env: 'ENGINE_FAKE',
      variants: ['slow', 'fast'],
      refusal: () => undefined,
      key: { fake: 1 },
      trial: async () => ({ ms: { slow: 5 }, differs: ['fast'] }),
    });
    expect(choice).toEqual({ variant: 'slow', how: 'trial', trialMs: { slow: 5 }, differs: ['fast'] });
    expect(g.kernels.fake).toBe('slow');
  });
});

describe(`training steps on a tiled variant (seed ${seed})`, () => {
  afterEach(() => setAttentionVariant('lavapipe'));
  it('ENGINE_ATTENTION=tiled64 gives the same weights as lavapipe after two steps of the tiny model', async () => {
    const config = preset('tiny', 61);
    const params = perturbedParams(config, paramLayout(config), rand);
    const [B, S] = [2, 13];
    const tokens = () => Uint32Array.from({ length: B * S }, () => Math.floor(rand() * 61));
    const batches = [0, 1].map(() => ({ ids: tokens(), targets: tokens(), mask: new Float32Array(B * S).fill(1) }));
    const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 };
    const train = async (forced: Record<string, string>) => {
      const g = await selectionGpu(forced);
      const [H, KVH] = [config.num_attention_heads, config.num_key_value_heads];
      await selectAttention(g, { B, S, H, KVH, hd: headDim(config) });
      const model = new TrainingModel(g, config, { params }, { batch: B, seqLen: S }, hyper);
      for (const [i, b] of batches.entries()) await model.trainStep([b], 1e-2, i + 1);
      return { params: (await model.snapshot()).params, variant: attentionVariant() };
    };
    const tiledRun = await train({ attention: 'tiled64' });
    const lavapipeRun = await train({});
    expect([tiledRun.variant, lavapipeRun.variant]).toEqual(['tiled64', 'lavapipe']);
    expect(bitIdentical(tiledRun.params, params)).toBe(false);
    expect(bitIdentical(tiledRun.params, lavapipeRun.params), firstDiff(tiledRun.params, lavapipeRun.params)).toBe(
      true,
    );
  });
});
