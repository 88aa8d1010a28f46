// Greedy decoding with a KV cache. Each prompt is prefilled on its own (full causal attention over
// its tokens, keys and values written into its cache rows); then all sequences advance one token per
// step together, each at its own position, until they emit the stop token or reach the limit.
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import { attentionForward } from '../ops/attention.js';
import { embedding } from '../ops/embedding.js';
import { kvAppend, kvDecodeAttention } from '../ops/kvcache.js';
import { matmul } from '../ops/matmul.js';
import { rmsnorm } from '../ops/rmsnorm.js';
import { rope, ropeAt } from '../ops/rope.js';
import { headDim, type Qwen2Config } from './config.js';
import { layerForward } from './layer.js';
import { embedRows } from './params.js';

interface Work {
  x: GPUBuffer; h: GPUBuffer; rstd: GPUBuffer; q: GPUBuffer; k: GPUBuffer; v: GPUBuffer; o: GPUBuffer; lse: GPUBuffer;
  tmp: GPUBuffer; xMid: GPUBuffer; gate: GPUBuffer; up: GPUBuffer; act: GPUBuffer; logits: GPUBuffer; ids: GPUBuffer;
}

export class Decoder {
  private readonly kCache: GPUBuffer[] = [];
  private readonly vCache: GPUBuffer[] = [];
  private readonly prefillWork: Work;
  private readonly stepWork: Work;
  private readonly pos: GPUBuffer;
  private readonly lens: GPUBuffer;
  private readonly zero: GPUBuffer;
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
    this.prefillWork = this.work(this.capacity);
    this.stepWork = this.work(maxBatch);
    this.pos = gpu.buffer(maxBatch * 4, 'decode pos');
    this.lens = gpu.buffer(maxBatch * 4, 'decode lens');
    this.zero = gpu.upload(new Uint32Array(1), 'zero');
  }

  private work(T: number): Work {
    const c = this.c, D = c.hidden_size, F = c.intermediate_size, Q = c.num_attention_heads * headDim(c), KV = c.num_key_value_heads * headDim(c);
    const f = (n: number, label: string) => this.gpu.buffer(n * 4, `decode ${label}`);
    return {
      x: f(T * D, 'x'), h: f(T * D, 'h'), rstd: f(T, 'rstd'), q: f(T * Q, 'q'), k: f(T * KV, 'k'), v: f(T * KV, 'v'), o: f(T * Q, 'o'),
      lse: f(T * c.num_attention_heads, 'lse'), tmp: f(T * D, 'tmp'), xMid: f(T * D, 'xMid'), gate: f(T * F, 'gate'), up: f(T * F, 'up'),
      act: f(T * F, 'act'), logits: f(T * embedRows(c), 'logits'), ids: f(T, 'ids'),
    };
  }

  /** The layer stack over T rows of `w`; `positions` and `attend` record RoPE and attention of layer l. */
  private layers(w: Work, T: number, attend: (l: number) => Dispatch[], positions: (l: number) => Dispatch[]): Dispatch[] {
    const c = this.c;
    const list: Dispatch[] = [embedding({ ids: w.ids, table: this.p('model.embed_tokens.weight'), out: w.x, T, V: c.vocab_size, D: c.hidden_size })];
    const b = { ...w, out: w.x, h1: w.h, h2: w.h, rstd1: w.rstd, rstd2: w.rstd };
    for (let l = 0; l < c.num_hidden_layers; l++) list.push(...layerForward(c, l, T, this.p, b, positions(l), attend(l)));
    return list;
  }

  /** Final norm and logits of the first `rows` rows of w.x into w.logits. */
  private head(w: Work, rows: number): Dispatch[] {
    const c = this.c, D = c.hidden_size;
    return [
      rmsnorm({ x: w.x, weight: this.p('model.norm.weight'), y: w.h, rstd: w.rstd, T: rows, D, eps: c.rms_norm_eps }),
      matmul({ a: w.h, b: this.p('model.embed_tokens.weight'), c: w.logits, M: rows, N: embedRows(c), K: D, transB: true }),
    ];
  }

  private argmax(logits: Float32Array, rows: number): number[] {
    const Vp = embedRows(this.c), V = this.c.vocab_size;
    const out: number[] = [];
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < V; j++) if (logits[r * Vp + j] > logits[r * Vp + best]) best = j;
      out.push(best);
    }
    return out;
  }

  private cacheOf(buf: GPUBuffer, b: number): Binding {
    const bytes = this.capacity * this.c.num_key_value_heads * headDim(this.c) * 4;
    return { buffer: buf, offset: b * bytes, size: bytes };
  }

  /** Prefills sequence slot b with `prompt`; returns the greedy next token. */
  private async prefill(b: number, prompt: Int32Array): Promise<number> {
    const c = this.c, n = prompt.length, hd = headDim(c), H = c.num_attention_heads, KVH = c.num_key_value_heads, w = this.prefillWork;
    this.gpu.write(w.ids, Uint32Array.from(prompt));
    const list = this.layers(
      w,
      n,
      (l) => [
        kvAppend({ rows: w.k, pos: this.zero, cache: this.cacheOf(this.kCache[l], b), B: 1, R: n, L: this.capacity, width: KVH * hd }),
        kvAppend({ rows: w.v, pos: this.zero, cache: this.cacheOf(this.vCache[l], b), B: 1, R: n, L: this.capacity, width: KVH * hd }),
        ...attentionForward({ q: w.q, k: w.k, v: w.v, o: w.o, lse: w.lse, B: 1, S: n, H, KVH, hd }),
      ],
      () => [rope({ q: w.q, k: w.k, table: this.ropeTab, tablePositions: c.max_position_embeddings, T: n, S: n, heads: H, kvHeads: KVH, headDim: hd })],
    );
    // Only the last position's logits are needed (a row range would break the 256-byte binding
    // alignment, and the head is cheap next to the layers).
    await this.gpu.run([...list, ...this.head(w, n)]);
    return this.argmax(await this.gpu.read(w.logits, Float32Array, embedRows(c), (n - 1) * embedRows(c)), 1)[0];
  }

  async greedy(prompts: Int32Array[], maxNew: number, stopId: number): Promise<Int32Array[]> {
    const B = prompts.length;
    if (B > this.maxBatch) throw new Error(`greedy: ${B} prompts exceed the decoder's batch of ${this.maxBatch}`);
    const c = this.c, hd = headDim(c), H = c.num_attention_heads, KVH = c.num_key_value_heads, w = this.stepWork;
    const limit = Math.min(this.capacity, c.max_position_embeddings);
    const outs: number[][] = prompts.map(() => []);
    const next: number[] = [];
    for (let b = 0; b < B; b++) {
      if (!prompts[b].length) throw new Error(`greedy: prompt ${b} is empty`);
      if (prompts[b].length >= limit) throw new Error(`greedy: prompt ${b} has ${prompts[b].length} tokens, the context holds ${limit}`);
      next.push(await this.prefill(b, prompts[b]));
    }
    const position = prompts.map((p) => p.length);
    const done = prompts.map(() => false);
    for (let step = 0; step < maxNew; step++) {
      for (let b = 0; b < B; b++) {
        if (done[b]) continue;
        outs[b].push(next[b]);
        if (next[b] === stopId || outs[b].length >= maxNew || position[b] + 1 >= limit) done[b] = true;
      }
      if (done.every(Boolean)) break;
      // Finished sequences still take a (discarded) step, so every row stays in place.
      this.gpu.write(w.ids, Uint32Array.from(next));
      this.gpu.write(this.pos, Uint32Array.from(position));
      this.gpu.write(this.lens, Uint32Array.from(position, (p) => p + 1));
      const list = this.layers(
        w,
        B,
        (l) => [
          kvAppend({ rows: w.k, pos: this.pos, cache: this.kCache[l], B, R: 1, L: this.capacity, width: KVH * hd }),
          kvAppend({ rows: w.v, pos: this.pos, cache: this.vCache[l], B, R: 1, L: this.capacity, width: KVH * hd }),
          kvDecodeAttention({ q: w.q, kCache: this.kCache[l], vCache: this.vCache[l], lens: this.lens, o: w.o, B, H, KVH, hd, L: this.capacity }),
        ],
        () => [ropeAt({ q: w.q, k: w.k, table: this.ropeTab, tablePositions: c.max_position_embeddings, positions: this.pos, rows: B, heads: H, kvHeads: KVH, headDim: hd })],
      );
      await this.gpu.run([...list, ...this.head(w, B)]);
      const tok = this.argmax(await this.gpu.read(w.logits, Float32Array, B * embedRows(c)), B);
      for (let b = 0; b < B; b++) {
        next[b] = tok[b];
        position[b]++;
      }
    }
    return outs.map((o) => Int32Array.from(o));
  }
}
