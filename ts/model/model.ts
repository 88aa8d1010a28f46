// The Qwen2 model on the GPU: training forward and backward over a micro-batch, AdamW steps with
// global-norm clipping, held-out loss, and greedy decoding with a KV cache. Parameters, gradients
// and AdamW moments each live in one flat buffer (layout: ./params.ts); every op is a WGSL kernel.
//
// Per layer:  h1 = norm(x); q,k,v = h1·W + b; rope(q, k); o = attn(q, k, v); xMid = x + o·Woᵀ;
//             h2 = norm(xMid); act = silu(h2·Wgᵀ) * (h2·Wuᵀ); x' = xMid + act·Wdᵀ
// Head:       hf = norm(x_L); loss = CE(hf·Eᵀ) (tied embedding)
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import { adamw, type ParamRange } from '../ops/adamw.js';
import { attentionBackward, attentionBackwardScratch, attentionForward } from '../ops/attention.js';
import { biasBackward } from '../ops/bias.js';
import { lmHeadLoss, lossTotal } from '../ops/cross_entropy.js';
import { fill } from '../ops/elementwise.js';
import { embedding, embeddingBackward, groupTokensById } from '../ops/embedding.js';
import { gradNorm, gradNormPartials } from '../ops/grad_norm.js';
import { bindingWindows } from '../ops/grid.js';
import { matmulGrads, type MatmulArgs } from '../ops/matmul.js';
import { rmsnorm, rmsnormBackward } from '../ops/rmsnorm.js';
import { rope, ropeBackward, ropeTable } from '../ops/rope.js';
import { swigluBackward } from '../ops/swiglu.js';
import { allocActs, LOGIT_CHUNK, type Acts } from './activations.js';
import type { Batch } from './batch.js';
import { headDim, type Qwen2Config } from './config.js';
import { Decoder, type Sampled, type SampleOptions } from './decoder.js';
import { layerForward } from './layer.js';
import { embedRows, paramLayout, type ParamLayout } from './params.js';

export interface OptimHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** Global gradient-norm clip; 0 = off. */
  clip: number;
}

export interface ModelShape {
  /** Sequences per micro-batch and their length (T = batch * seqLen tokens). */
  batch: number;
  seqLen: number;
  /**
   * Sequences decoded at once by sample/greedy (default: batch). Its KV cache holds
   * decodeBatch x max_position_embeddings positions per layer, allocated on first use.
   */
  decodeBatch?: number;
}

export class Model {
  readonly layout: ParamLayout;
  readonly params: GPUBuffer;
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  private readonly acts: Acts;
  private readonly ropeTab: GPUBuffer;
  private readonly clipStats: GPUBuffer;
  private readonly normPartials: GPUBuffer;
  private readonly ranges: ParamRange[];
  private decoder?: Decoder;

  private constructor(
    readonly gpu: Gpu,
    readonly config: Qwen2Config,
    readonly shape: ModelShape,
    readonly hyper: OptimHyper,
    init: { params: Float32Array; m?: Float32Array; v?: Float32Array },
  ) {
    this.layout = paramLayout(config);
    const n = this.layout.total;
    if (init.params.length !== n) throw new Error(`initial parameters have ${init.params.length} floats, the layout needs ${n}`);
    this.params = gpu.upload(init.params, 'params');
    this.grads = gpu.buffer(n * 4, 'grads');
    this.m = init.m ? gpu.upload(init.m, 'adam.m') : gpu.buffer(n * 4, 'adam.m');
    this.v = init.v ? gpu.upload(init.v, 'adam.v') : gpu.buffer(n * 4, 'adam.v');
    const T = shape.batch * shape.seqLen;
    const attnScratch = attentionBackwardScratch({ B: shape.batch, S: shape.seqLen, H: config.num_attention_heads, KVH: config.num_key_value_heads, hd: headDim(config) });
    this.acts = allocActs(gpu, config, T, attnScratch);
    this.ropeTab = gpu.upload(ropeTable(config.max_position_embeddings, headDim(config), config.rope_theta), 'rope table');
    this.clipStats = gpu.buffer(8, 'grad norm stats');
    this.normPartials = gpu.buffer(gradNormPartials(n) * 4, 'grad norm partials');
    this.ranges = this.layout.slots.map((s) => ({ offset: s.offset, size: s.name === 'model.embed_tokens.weight' ? embedRows(config) * config.hidden_size : s.size, decay: s.decay }));
  }

  static async create(gpu: Gpu, config: Qwen2Config, init: { params: Float32Array; m?: Float32Array; v?: Float32Array }, shape: ModelShape, hyper: OptimHyper): Promise<Model> {
    if (shape.seqLen > config.max_position_embeddings) throw new Error(`seq_len ${shape.seqLen} exceeds the model's max_position_embeddings ${config.max_position_embeddings}`);
    if (shape.decodeBatch !== undefined && !(Number.isInteger(shape.decodeBatch) && shape.decodeBatch > 0)) throw new Error(`decodeBatch ${shape.decodeBatch} must be a positive integer`);
    return new Model(gpu, config, shape, hyper, init);
  }

  /** A tensor of a flat buffer as a binding. */
  bind(buf: GPUBuffer, name: string): Binding {
    const s = this.layout.byName.get(name);
    if (!s) throw new Error(`no tensor ${name}`);
    const size = name === 'model.embed_tokens.weight' ? embedRows(this.config) * this.config.hidden_size : s.size;
    return { buffer: buf, offset: s.offset * 4, size: size * 4 };
  }

  private p(name: string): Binding {
    return this.bind(this.params, name);
  }

  private g(name: string): Binding {
    return this.bind(this.grads, name);
  }

  /** Uploads a micro-batch; returns its number of counted tokens. */
  private upload(b: Batch): number {
    const T = this.shape.batch * this.shape.seqLen;
    if (b.ids.length !== T) throw new Error(`batch has ${b.ids.length} tokens, the model was built for ${T} (batch x seq_len)`);
    this.gpu.write(this.acts.ids, b.ids);
    this.gpu.write(this.acts.targets, b.targets);
    this.gpu.write(this.acts.mask, b.mask);
    return b.mask.reduce((a, x) => a + x, 0);
  }

  /** The forward over the uploaded micro-batch (loss and, with grad, d(hf) and dEmbed +=). */
  private forward(scale: number, grad: boolean): Dispatch[] {
    return [...this.body(), ...this.head(scale, grad)];
  }

  /** Embedding, the layers and the final norm (hf). */
  private body(): Dispatch[] {
    const c = this.config, a = this.acts, T = a.T, S = this.shape.seqLen, B = this.shape.batch;
    const D = c.hidden_size, hd = headDim(c), H = c.num_attention_heads, KVH = c.num_key_value_heads;
    const list: Dispatch[] = [embedding({ ids: a.ids, table: this.p('model.embed_tokens.weight'), out: a.x[0], T, V: c.vocab_size, D })];
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const L = a.layers[l];
      const positions = [rope({ q: L.q, k: L.k, table: this.ropeTab, tablePositions: c.max_position_embeddings, T, S, heads: H, kvHeads: KVH, headDim: hd })];
      const attend = attentionForward({ q: L.q, k: L.k, v: L.v, o: L.o, lse: L.lse, B, S, H, KVH, hd });
      list.push(...layerForward(c, l, T, (n) => this.p(n), { ...L, x: a.x[l], out: a.x[l + 1], tmp: a.tmp }, positions, attend));
    }
    list.push(rmsnorm({ x: a.x[c.num_hidden_layers], weight: this.p('model.norm.weight'), y: a.hf, rstd: a.rstdf, T, D, eps: c.rms_norm_eps }));
    return list;
  }

  /** The tied LM head and the loss (per token, summed); with grad also d(hf) and dEmbed +=. */
  /** The LM head and loss; `entropy` also writes per-token entropies and adds the bonus of acts.entWeights (RL). */
  private head(scale: number, grad: boolean, logitScale = 1, entropy = false): Dispatch[] {
    const c = this.config, a = this.acts, T = a.T;
    return [
      ...lmHeadLoss({
        x: a.hf, embed: this.p('model.embed_tokens.weight'), targets: a.targets, mask: a.mask, loss: a.loss, logits: a.logits,
        dx: a.dH, dEmbed: this.g('model.embed_tokens.weight'), T, D: c.hidden_size, vocab: c.vocab_size, embedRows: embedRows(c),
        chunkRows: T <= LOGIT_CHUNK ? T : LOGIT_CHUNK, scale, grad, logitScale, entropy: entropy ? { weights: a.entWeights, out: a.entropy } : undefined,
      }),
      ...lossTotal(a.loss, a.lossPartials, a.lossSum, T),
    ];
  }

  /** The backward of the last forward; parameter gradients are added to `grads`. */
  private backward(groupsUploaded: boolean): Dispatch[] {
    const c = this.config, a = this.acts, T = a.T, S = this.shape.seqLen, B = this.shape.batch;
    const D = c.hidden_size, F = c.intermediate_size, hd = headDim(c), H = c.num_attention_heads, KVH = c.num_key_value_heads;
    const Q = H * hd, KV = KVH * hd;
    const last = c.num_hidden_layers;
    const list: Dispatch[] = rmsnormBackward({
      x: a.x[last], weight: this.p('model.norm.weight'), rstd: a.rstdf, dy: a.dH, dx: a.dResid, dw: this.g('model.norm.weight'), T, D, accumulateDw: true,
    });
    const lin = (x: GPUBuffer, w: string, N: number, K: number): MatmulArgs => ({ a: x, b: this.p(w), c: a.tmp, M: T, N, K, transB: true });
    for (let l = last - 1; l >= 0; l--) {
      const L = a.layers[l], pre = `model.layers.${l}.`, att = `${pre}self_attn.`, mlp = `${pre}mlp.`;
      // MLP branch: x' = xMid + act·Wdᵀ; dResid holds d x'.
      list.push(
        ...matmulGrads(lin(L.act, `${mlp}down_proj.weight`, D, F), a.dResid, { da: a.dAct }),
        ...matmulGrads(lin(L.act, `${mlp}down_proj.weight`, D, F), a.dResid, { db: this.g(`${mlp}down_proj.weight`), accumulate: true }),
        swigluBackward({ gate: L.gate, up: L.up, dh: a.dAct, dgate: a.dGate, dup: a.dUp, n: T * F }),
        // dH is written by the gate product and added to by the up product; weight gradients always add.
        ...matmulGrads(lin(L.h2, `${mlp}gate_proj.weight`, F, D), a.dGate, { da: a.dH }),
        ...matmulGrads(lin(L.h2, `${mlp}gate_proj.weight`, F, D), a.dGate, { db: this.g(`${mlp}gate_proj.weight`), accumulate: true }),
        ...matmulGrads(lin(L.h2, `${mlp}up_proj.weight`, F, D), a.dUp, { da: a.dH, db: this.g(`${mlp}up_proj.weight`), accumulate: true }),
        ...rmsnormBackward({
          x: L.xMid, weight: this.p(`${pre}post_attention_layernorm.weight`), rstd: L.rstd2, dy: a.dH, dx: a.dResid, dw: this.g(`${pre}post_attention_layernorm.weight`),
          T, D, accumulateDx: true, accumulateDw: true,
        }),
        // Attention branch: xMid = x + o·Woᵀ; dResid now holds d xMid.
        ...matmulGrads(lin(L.o, `${att}o_proj.weight`, D, Q), a.dResid, { da: a.dO }),
        ...matmulGrads(lin(L.o, `${att}o_proj.weight`, D, Q), a.dResid, { db: this.g(`${att}o_proj.weight`), accumulate: true }),
        ...attentionBackward({ q: L.q, k: L.k, v: L.v, o: L.o, lse: L.lse, dO: a.dO, dq: a.dQ, dk: a.dK, dv: a.dV, scratch: a.attnScratch, B, S, H, KVH, hd }),
        ropeBackward({ q: a.dQ, k: a.dK, table: this.ropeTab, tablePositions: c.max_position_embeddings, T, S, heads: H, kvHeads: KVH, headDim: hd }),
        ...biasBackward({ dy: a.dQ, db: this.g(`${att}q_proj.bias`), T, N: Q, accumulate: true }),
        ...biasBackward({ dy: a.dK, db: this.g(`${att}k_proj.bias`), T, N: KV, accumulate: true }),
        ...biasBackward({ dy: a.dV, db: this.g(`${att}v_proj.bias`), T, N: KV, accumulate: true }),
        ...matmulGrads(lin(L.h1, `${att}q_proj.weight`, Q, D), a.dQ, { da: a.dH }),
        ...matmulGrads(lin(L.h1, `${att}q_proj.weight`, Q, D), a.dQ, { db: this.g(`${att}q_proj.weight`), accumulate: true }),
        ...matmulGrads(lin(L.h1, `${att}k_proj.weight`, KV, D), a.dK, { da: a.dH, db: this.g(`${att}k_proj.weight`), accumulate: true }),
        ...matmulGrads(lin(L.h1, `${att}v_proj.weight`, KV, D), a.dV, { da: a.dH, db: this.g(`${att}v_proj.weight`), accumulate: true }),
        ...rmsnormBackward({
          x: a.x[l], weight: this.p(`${pre}input_layernorm.weight`), rstd: L.rstd1, dy: a.dH, dx: a.dResid, dw: this.g(`${pre}input_layernorm.weight`),
          T, D, accumulateDx: true, accumulateDw: true,
        }),
      );
    }
    if (!groupsUploaded) throw new Error('token groups must be uploaded before the embedding backward');
    list.push(
      embeddingBackward({ offsets: a.embOffsets, positions: a.embPositions, dOut: a.dResid, dTable: this.g('model.embed_tokens.weight'), T, V: c.vocab_size, D, accumulate: true }),
    );
    return list;
  }

  private uploadGroups(ids: Uint32Array): void {
    const g = groupTokensById(ids, this.config.vocab_size);
    this.gpu.write(this.acts.embOffsets, g.offsets);
    this.gpu.write(this.acts.embPositions, g.positions);
  }

  async trainStep(batches: Batch[], lr: number, step: number): Promise<{ loss: number; gradNorm: number }> {
    const counted = batches.reduce((s, b) => s + b.mask.reduce((a, x) => a + x, 0), 0);
    if (!(counted > 0)) throw new Error('a training step needs at least one counted (mask > 0) token');
    const scale = 1 / counted;
    await this.zeroGrads();
    let lossSum = 0;
    for (const b of batches) {
      this.upload(b);
      this.uploadGroups(b.ids);
      await this.gpu.run([...this.forward(scale, true), ...this.backward(true)]);
      lossSum += (await this.gpu.read(this.acts.lossSum, Float32Array, 1))[0];
    }
    const { gradNorm } = await this.applyUpdate(lr, step);
    return { loss: lossSum / counted, gradNorm };
  }

  async zeroGrads(): Promise<void> {
    await this.gpu.run(this.zeroGradsDispatches());
  }

  /** Zeroes the flat gradient buffer, in windows when it is larger than one binding. */
  private zeroGradsDispatches(): Dispatch[] {
    return bindingWindows(this.layout.total, this.gpu.limits.maxStorageBufferBindingSize).map((w) =>
      fill({ buffer: this.grads, offset: w.start * 4, size: w.len * 4 }, w.len, 0),
    );
  }

  /**
   * Clips the accumulated gradients by their global norm and takes one AdamW step (`step` from 1).
   * A non-finite norm would turn every weight into NaN: the update is skipped (the caller sees it).
   */
  async applyUpdate(lr: number, step: number): Promise<{ gradNorm: number }> {
    const h = this.hyper;
    const maxBindingBytes = this.gpu.limits.maxStorageBufferBindingSize;
    await this.gpu.run(gradNorm({ grads: this.grads, n: this.layout.total, partials: this.normPartials, stats: this.clipStats, maxNorm: h.clip, maxBindingBytes }));
    const [norm] = await this.gpu.read(this.clipStats, Float32Array, 1);
    // A non-finite gradient would turn every weight into NaN: skip the update (the caller sees it).
    if (Number.isFinite(norm)) {
      await this.gpu.run(
        adamw({ params: this.params, grads: this.grads, m: this.m, v: this.v, clip: this.clipStats, ranges: this.ranges, lr, beta1: h.beta1, beta2: h.beta2, eps: h.eps, weightDecay: h.weight_decay, step, maxBindingBytes }),
      );
    }
    return { gradNorm: norm };
  }

  /** The batch whose forward activations the buffers hold (for policyGradient). */
  private bodyOf?: Batch;

  /**
   * log p(target) and the entropy of the whole next-token distribution, per token under logits *
   * logitScale (0 where the mask is 0), from a forward that keeps its activations for
   * policyGradient(b).
   */
  async tokenLogprobs(b: Batch, logitScale = 1): Promise<{ logp: Float32Array; entropy: Float32Array }> {
    this.upload(b);
    this.gpu.write(this.acts.entWeights, new Float32Array(b.mask.length));
    await this.gpu.run([...this.body(), ...this.head(1, false, logitScale, true)]);
    this.bodyOf = b;
    const loss = await this.gpu.read(this.acts.loss, Float32Array);
    const entropy = await this.gpu.read(this.acts.entropy, Float32Array);
    return { logp: loss.map((l, t) => (b.mask[t] ? -l / b.mask[t] : 0)), entropy };
  }

  /**
   * Adds to the gradients Σ_t w_t ∇(-log p(target_t)) - e_t ∇H_t, i.e. the gradient of a loss whose
   * derivative by each token's log-probability is -w_t (RL: w_t = -dL/dlogp_t), plus an entropy
   * bonus e_t (none when `entropyWeights` is left out). Needs the activations of tokenLogprobs(b)
   * (same batch, nothing run in between).
   */
  async policyGradient(b: Batch, weights: Float32Array, logitScale = 1, entropyWeights?: Float32Array): Promise<void> {
    if (this.bodyOf !== b) throw new Error('policyGradient: call tokenLogprobs on the same batch first (its activations are reused)');
    this.bodyOf = undefined;
    this.gpu.write(this.acts.mask, weights);
    if (entropyWeights) this.gpu.write(this.acts.entWeights, entropyWeights);
    this.uploadGroups(b.ids);
    await this.gpu.run([...this.head(1, true, logitScale, !!entropyWeights), ...this.backward(true)]);
  }

  /** Forward and backward of one micro-batch without an update: the loss and the gradients (tests, oracle). */
  async lossAndGrads(b: Batch): Promise<{ loss: number; grads: Float32Array }> {
    const counted = b.mask.reduce((a, x) => a + x, 0);
    this.upload(b);
    this.uploadGroups(b.ids);
    await this.gpu.run([...this.zeroGradsDispatches(), ...this.forward(1 / counted, true), ...this.backward(true)]);
    const loss = (await this.gpu.read(this.acts.lossSum, Float32Array, 1))[0] / counted;
    return { loss, grads: await this.gpu.read(this.grads, Float32Array) };
  }

  async evalLoss(b: Batch): Promise<number> {
    const counted = this.upload(b);
    if (!(counted > 0)) return NaN;
    await this.gpu.run(this.forward(1 / counted, false));
    return (await this.gpu.read(this.acts.lossSum, Float32Array, 1))[0] / counted;
  }

  /** Logits of the last forward's first chunk (tests). */
  async logits(b: Batch): Promise<Float32Array> {
    this.upload(b);
    await this.gpu.run(this.forward(1, false));
    return this.gpu.read(this.acts.logits, Float32Array);
  }

  /** Sequences sample/greedy decode at once. */
  get decodeBatch(): number {
    return this.shape.decodeBatch ?? this.shape.batch;
  }

  private decoding(): Decoder {
    this.decoder ??= new Decoder(this.gpu, this.config, this.decodeBatch, this.config.max_position_embeddings, (name) => this.p(name), this.ropeTab);
    return this.decoder;
  }

  async greedy(prompts: Int32Array[], maxNew: number, stopId: number): Promise<Int32Array[]> {
    return this.decoding().greedy(prompts, maxNew, stopId);
  }

  /** Sampled continuations with their log-probabilities (ts/model/decoder.ts, docs/sampling.md). */
  async sample(prompts: Int32Array[], o: SampleOptions): Promise<Sampled> {
    return this.decoding().sample(prompts, o);
  }

  async snapshot(): Promise<{ params: Float32Array; m: Float32Array; v: Float32Array }> {
    return {
      params: await this.gpu.read(this.params, Float32Array),
      m: await this.gpu.read(this.m, Float32Array),
      v: await this.gpu.read(this.v, Float32Array),
    };
  }
}
