// Decoding with a KV cache: sampling (temperature, top-k, top-p) or greedy, both on the GPU. Each
// prompt is prefilled once (full causal attention over its tokens, keys and values written into the
// cache rows of each of its `group` sequence slots); then all sequences advance one token per step
// together, each at its own position, until they emit the stop token or reach the limit. Each step
// reads back only the chosen ids and their log-probabilities (shaders/sample.wgsl), not the logits.
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import { attentionForward } from '../ops/attention.js';
import { embedding } from '../ops/embedding.js';
import { kvAppend, kvDecodeAttention } from '../ops/kvcache.js';
import { matmul } from '../ops/matmul.js';
import { rmsnorm } from '../ops/rmsnorm.js';
import { rope, ropeAt } from '../ops/rope.js';
import { sample, sampleWorkgroup } from '../ops/sample.js';
import { headDim, type Qwen2Config } from './config.js';
import { layerForward } from './layer.js';
import { embedRows } from './params.js';

export interface SampleOptions {
  /** Generated tokens per sequence at most (the stop token included). */
  maxNew: number;
  /** Generation of a sequence ends after this token (-1: none). */
  stopId: number;
  /** 0 = greedy argmax (ties to the lowest id). */
  temperature: number;
  /** 0 = off. */
  topK?: number;
  /** 1 = off. */
  topP?: number;
  /** Any non-negative safe integer; token i of sequence row r draws from (seed, i, r). */
  seed: number;
  /** Sequences per prompt (default 1): output row p * group + g continues prompt p. */
  group?: number;
}

export interface Sampled {
  /** Generated ids per sequence (stop token included). */
  tokens: Int32Array[];
  /**
   * log_softmax(logits / logprobTemperature)[token] of each generated token over the whole
   * vocabulary (not renormalised by top-k / top-p): what a training forward at the sampling
   * temperature computes for it.
   */
  logprobs: Float32Array[];
  /** The temperature the log-probabilities are scaled by: the sampling temperature, 1 when greedy. */
  logprobTemperature: number;
}

/** A seed of up to 53 bits folded into the sampler's 32-bit key. */
function seed32(seed: number): number {
  if (!(Number.isSafeInteger(seed) && seed >= 0))
    throw new Error(`sample: seed ${seed} must be a non-negative safe integer`);
  return (seed ^ Math.imul(Math.floor(seed / 2 ** 32), 0x85ebca6b)) >>> 0;
}

interface Work {
  x: GPUBuffer;
  h: GPUBuffer;
  rstd: GPUBuffer;
  q: GPUBuffer;
  k: GPUBuffer;
  v: GPUBuffer;
  o: GPUBuffer;
  lse: GPUBuffer;
  tmp: GPUBuffer;
  xMid: GPUBuffer;
  gate: GPUBuffer;
  up: GPUBuffer;
  act: GPUBuffer;
  logits: GPUBuffer;
  ids: GPUBuffer;
}

export class Decoder {
  private readonly kCache: GPUBuffer[] = [];
  private readonly vCache: GPUBuffer[] = [];
  private readonly prefillWork: Work;
  private readonly stepWork: Work;
  private readonly pos: GPUBuffer;
  private readonly lens: GPUBuffer;
  private readonly zero: GPUBuffer;
  /** Chosen ids at 0 and their log-probabilities at `picksLogprobs` bytes: one readback per step. */
  private readonly picks: GPUBuffer;
  private readonly picksLogprobs: number;
  /** Positions per sequence, rounded so each sequence's cache rows start 256-byte aligned. */
  readonly capacity: number;

  constructor(
    private readonly gpu: Gpu,
    private readonly c: Qwen2Config,
    readonly maxBatch: number,
    capacity: number,
    private readonly p: (name: string) => Binding,
    private readonly ropeTab: GPUBuffer,
  ) {
    this.capacity = Math.ceil(capacity / 64) * 64;
    const kv = c.num_key_value_heads * headDim(c);
    for (let l = 0; l < c.num_hidden_layers; l++) {
      this.kCache.push(gpu.buffer(maxBatch * this.capacity * kv * 4, `kcache.${l}`));
      this.vCache.push(gpu.buffer(maxBatch * this.capacity * kv * 4, `vcache.${l}`));
    }
    this.prefillWork = this.work(this.capacity, 64); // logits of the last 64-aligned block only (see prefill)
    this.stepWork = this.work(maxBatch);
    this.pos = gpu.buffer(maxBatch * 4, 'decode pos');
    this.lens = gpu.buffer(maxBatch * 4, 'decode lens');
    this.zero = gpu.upload(new Uint32Array(1), 'zero');
    this.picksLogprobs = Math.ceil((maxBatch * 4) / 256) * 256;
    this.picks = gpu.buffer(this.picksLogprobs + maxBatch * 4, 'decode picks');
  }

  private work(T: number, logitRows = T): Work {
    const c = this.c,
      D = c.hidden_size,
      F = c.intermediate_size,
      Q = c.num_attention_heads * headDim(c),
      KV = c.num_key_value_heads * headDim(c);
    const f = (n: number, label: string) => this.gpu.buffer(n * 4, `decode ${label}`);
    return {
      x: f(T * D, 'x'),
      h: f(T * D, 'h'),
      rstd: f(T, 'rstd'),
      q: f(T * Q, 'q'),
      k: f(T * KV, 'k'),
      v: f(T * KV, 'v'),
      o: f(T * Q, 'o'),
      lse: f(T * c.num_attention_heads, 'lse'),
      tmp: f(T * D, 'tmp'),
      xMid: f(T * D, 'xMid'),
      gate: f(T * F, 'gate'),
      up: f(T * F, 'up'),
      act: f(T * F, 'act'),
      logits: f(logitRows * embedRows(c), 'logits'),
      ids: f(T, 'ids'),
    };
  }

  /** The layer stack over T rows of `w`; `positions` and `attend` record RoPE and attention of layer l. */
  private layers(
    w: Work,
    T: number,
    attend: (l: number) => Dispatch[],
    positions: (l: number) => Dispatch[],
  ): Dispatch[] {
    const c = this.c;
    const list: Dispatch[] = [
      embedding({
        ids: w.ids,
        table: this.p('model.embed_tokens.weight'),
        out: w.x,
        T,
        V: c.vocab_size,
        D: c.hidden_size,
      }),
    ];
    const b = { ...w, out: w.x, h1: w.h, h2: w.h, rstd1: w.rstd, rstd2: w.rstd };
    for (let l = 0; l < c.num_hidden_layers; l++)
      list.push(...layerForward(c, l, T, this.p, b, positions(l), attend(l)));
    return list;
  }

  /**
   * Final norm and logits of rows first .. first+rows-1 of w.x into w.logits rows 0 .. rows-1;
   * `first` a multiple of 64 keeps every row range 256-byte aligned.
   */
  private head(w: Work, rows: number, first = 0): Dispatch[] {
    const c = this.c,
      D = c.hidden_size;
    const range = (buffer: GPUBuffer, width: number): Binding => ({
      buffer,
      offset: first * width * 4,
      size: rows * width * 4,
    });
    return [
      rmsnorm({
        x: range(w.x, D),
        weight: this.p('model.norm.weight'),
        y: range(w.h, D),
        rstd: range(w.rstd, 1),
        T: rows,
        D,
        eps: c.rms_norm_eps,
      }),
      matmul({
        a: range(w.h, D),
        b: this.p('model.embed_tokens.weight'),
        c: w.logits,
        M: rows,
        N: embedRows(c),
        K: D,
        transB: true,
      }),
    ];
  }

  private cacheOf(buf: GPUBuffer, b: number): Binding {
    const bytes = this.capacity * this.c.num_key_value_heads * headDim(this.c) * 4;
    return { buffer: buf, offset: b * bytes, size: bytes };
  }

  /** The sampling dispatch writing `rows` picks (ids and log-probabilities) into `picks`. */
  private draw(
    rows: number,
    logits: GPUBuffer,
    d: {
      temperature: number;
      topK: number;
      topP: number;
      seed: number;
      step: number;
      rngRow: number;
      logitsRow?: number;
      broadcast?: boolean;
    },
  ): Dispatch {
    const Vp = embedRows(this.c);
    return sample({
      logits,
      tokens: { buffer: this.picks, offset: 0, size: rows * 4 },
      logprobs: { buffer: this.picks, offset: this.picksLogprobs, size: rows * 4 },
      B: rows,
      vocab: this.c.vocab_size,
      stride: Vp,
      workgroupSize: sampleWorkgroup(this.gpu.adapterKind),
      ...d,
    });
  }

  private async readPicks(rows: number): Promise<{ ids: Uint32Array; logprobs: Float32Array }> {
    const words = await this.gpu.read(this.picks, Uint32Array, this.picksLogprobs / 4 + rows);
    return { ids: words.subarray(0, rows), logprobs: new Float32Array(words.buffer, this.picksLogprobs, rows) };
  }

  /** Prefills sequence slots b .. b+group-1 with `prompt`; returns their first tokens. */
  private async prefill(
    b: number,
    group: number,
    prompt: Int32Array,
    d: { temperature: number; topK: number; topP: number; seed: number },
  ) {
    const c = this.c,
      n = prompt.length,
      hd = headDim(c),
      H = c.num_attention_heads,
      KVH = c.num_key_value_heads,
      w = this.prefillWork;
    this.gpu.write(w.ids, Uint32Array.from(prompt));
    const slots = Array.from({ length: group }, (_, g) => b + g);
    const append = (rows: GPUBuffer, cache: GPUBuffer) =>
      slots.map((s) =>
        kvAppend({
          rows,
          pos: this.zero,
          cache: this.cacheOf(cache, s),
          B: 1,
          R: n,
          L: this.capacity,
          width: KVH * hd,
        }),
      );
    const list = this.layers(
      w,
      n,
      (l) => [
        ...append(w.k, this.kCache[l]),
        ...append(w.v, this.vCache[l]),
        ...attentionForward({ q: w.q, k: w.k, v: w.v, o: w.o, lse: w.lse, B: 1, S: n, H, KVH, hd }),
      ],
      () => [
        rope({
          q: w.q,
          k: w.k,
          table: this.ropeTab,
          tablePositions: c.max_position_embeddings,
          T: n,
          S: n,
          heads: H,
          kvHeads: KVH,
          headDim: hd,
        }),
      ],
    );
    // Logits of the last 64-aligned block of positions (aligned bindings); the group samples the last one.
    const first = Math.floor((n - 1) / 64) * 64;
    await this.gpu.run([
      ...list,
      ...this.head(w, n - first, first),
      this.draw(group, w.logits, { ...d, step: 0, rngRow: b, logitsRow: n - 1 - first, broadcast: true }),
    ]);
    return this.readPicks(group);
  }

  /** Greedy continuation of each prompt (stop token included): sample() at temperature 0. */
  async greedy(prompts: Int32Array[], maxNew: number, stopId: number): Promise<Int32Array[]> {
    return (await this.sample(prompts, { maxNew, stopId, temperature: 0, seed: 0 })).tokens;
  }

  /** Samples `group` continuations of each prompt (greedy at temperature 0). */
  async sample(prompts: Int32Array[], o: SampleOptions): Promise<Sampled> {
    const group = o.group ?? 1;
    if (!(Number.isInteger(group) && group >= 1)) throw new Error(`sample: group ${group} must be a positive integer`);
    if (!(Number.isInteger(o.maxNew) && o.maxNew >= 0))
      throw new Error(`sample: maxNew ${o.maxNew} must be a non-negative integer`);
    const B = prompts.length * group;
    if (B > this.maxBatch)
      throw new Error(
        `sample: ${prompts.length} prompts x group ${group} = ${B} sequences exceed the decoder's batch of ${this.maxBatch} (the model's decodeBatch)`,
      );
    const greedy = o.temperature === 0;
    // Greedy ignores the filters (the argmax is always kept): skip their threshold searches.
    const d = {
      temperature: o.temperature,
      topK: greedy ? 0 : (o.topK ?? 0),
      topP: greedy ? 1 : (o.topP ?? 1),
      seed: seed32(o.seed),
    };
    const c = this.c,
      hd = headDim(c),
      H = c.num_attention_heads,
      KVH = c.num_key_value_heads,
      w = this.stepWork;
    const limit = Math.min(this.capacity, c.max_position_embeddings);
    const outs: number[][] = Array.from({ length: B }, () => []);
    const lps: number[][] = Array.from({ length: B }, () => []);
    const next: number[] = [];
    const nextLp: number[] = [];
    for (let p = 0; p < prompts.length; p++) {
      if (!prompts[p].length) throw new Error(`sample: prompt ${p} is empty`);
      if (prompts[p].length >= limit)
        throw new Error(`sample: prompt ${p} has ${prompts[p].length} tokens, the context holds ${limit}`);
      if (!o.maxNew) continue;
      const first = await this.prefill(p * group, group, prompts[p], d);
      next.push(...first.ids);
      nextLp.push(...first.logprobs);
    }
    const position = Array.from({ length: B }, (_, b) => prompts[Math.floor(b / group)].length);
    const done = position.map(() => !o.maxNew);
    for (let step = 1; ; step++) {
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        outs[b].push(next[b]);
        lps[b].push(nextLp[b]);
        if (next[b] === o.stopId || outs[b].length >= o.maxNew || position[b] + 1 >= limit) done[b] = true;
      }
      if (done.every(Boolean)) break;
      // Finished sequences still take a (discarded) step, so every row stays in place.
      this.gpu.write(w.ids, Uint32Array.from(next));
      this.gpu.write(this.pos, Uint32Array.from(position));
      this.gpu.write(
        this.lens,
        Uint32Array.from(position, (p) => p + 1),
      );
      const list = this.layers(
        w,
        B,
        (l) => [
          kvAppend({ rows: w.k, pos: this.pos, cache: this.kCache[l], B, R: 1, L: this.capacity, width: KVH * hd }),
          kvAppend({ rows: w.v, pos: this.pos, cache: this.vCache[l], B, R: 1, L: this.capacity, width: KVH * hd }),
          kvDecodeAttention({
            q: w.q,
            kCache: this.kCache[l],
            vCache: this.vCache[l],
            lens: this.lens,
            o: w.o,
            B,
            H,
            KVH,
            hd,
            L: this.capacity,
          }),
        ],
        () => [
          ropeAt({
            q: w.q,
            k: w.k,
            table: this.ropeTab,
            tablePositions: c.max_position_embeddings,
            positions: this.pos,
            rows: B,
            heads: H,
            kvHeads: KVH,
            headDim: hd,
          }),
        ],
      );
      await this.gpu.run([...list, ...this.head(w, B), this.draw(B, w.logits, { ...d, step, rngRow: 0 })]);
      const picked = await this.readPicks(B);
      for (let b = 0; b < B; b++) {
        next[b] = picked.ids[b];
        nextLp[b] = picked.logprobs[b];
        position[b]++;
      }
    }
    return {
      tokens: outs.map((t) => Int32Array.from(t)),
      logprobs: lps.map((l) => Float32Array.from(l)),
      logprobTemperature: greedy ? 1 : o.temperature,
    };
  }
}
