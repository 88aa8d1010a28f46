// The Qwen2 model on the GPU for inference: the parameters in one flat buffer (layout: ./params.ts),
// the RoPE table, decoding with a KV cache (sampling and greedy, ./decoder.ts), and, when asked
// for, a full-sequence forward that scores given tokens (the RL reference's log-probabilities) over
// one set of buffers shared by all layers. ./training.ts adds gradients, AdamW moments and the
// activations a backward reads. Every op is a WGSL kernel.
//
// Per layer:  h1 = norm(x); q,k,v = h1·W + b; rope(q, k); o = attn(q, k, v); xMid = x + o·Woᵀ;
//             h2 = norm(xMid); act = silu(h2·Wgᵀ) * (h2·Wuᵀ); x' = xMid + act·Wdᵀ
// Head:       hf = norm(x_L); loss = CE(hf·Eᵀ) (tied embedding)
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import { attentionForward } from '../ops/attention.js';
import { lmHeadLoss, lossTotal } from '../ops/cross_entropy.js';
import { embedding } from '../ops/embedding.js';
import { rmsnorm } from '../ops/rmsnorm.js';
import { rope, ropeTable } from '../ops/rope.js';
import { allocForwardActs, LOGIT_CHUNK, type ForwardActs } from './activations.js';
import type { Batch } from './batch.js';
import { headDim, type Qwen2Config } from './config.js';
import { Decoder, type Sampled, type SampleOptions } from './decoder.js';
import { layerForward } from './layer.js';
import { embedRows, paramLayout, slotElements, type ParamLayout } from './params.js';

/** Where the head's backward writes d(hf) and adds the embedding's gradient. */
export interface HeadGrads {
  dx: Binding;
  dEmbed: Binding;
}

/** Per token: log p(target) (0 where the mask is 0) and the entropy of the next-token distribution. */
export interface TokenLogprobs {
  logp: Float32Array;
  entropy: Float32Array;
}

/** Rows a full-sequence forward takes at once: `batch` sequences of `seqLen` tokens. */
export interface Rows {
  batch: number;
  seqLen: number;
}

/** A forward over `rows` fits the model's context. */
export function checkRows(config: Qwen2Config, rows: Rows): void {
  if (rows.seqLen > config.max_position_embeddings) {
    throw new Error(
      `seq_len ${rows.seqLen} exceeds the model's max_position_embeddings ${config.max_position_embeddings}`,
    );
  }
}

export interface InferenceShape {
  /**
   * Sequences sample/greedy decode at once. Their KV cache holds decodeBatch x
   * max_position_embeddings positions per layer, allocated on first use; left out, the model only scores.
   */
  decodeBatch?: number;
  /** Rows tokenLogprobs scores at once (the RL reference); left out, the model only decodes. */
  score?: Rows;
}

/** Bad shapes as one-line errors, before anything is allocated. */
function checkShape(config: Qwen2Config, params: Float32Array, decodeBatch?: number, rows?: Rows): void {
  const n = paramLayout(config).total;
  if (params.length !== n) throw new Error(`initial parameters have ${params.length} floats, the layout needs ${n}`);
  if (decodeBatch !== undefined && !(Number.isInteger(decodeBatch) && decodeBatch > 0)) {
    throw new Error(`decodeBatch ${decodeBatch} must be a positive integer`);
  }
  if (rows) checkRows(config, rows);
}

export class InferenceModel {
  readonly layout: ParamLayout;
  readonly params: GPUBuffer;
  protected readonly ropeTab: GPUBuffer;
  /** The scoring forward's buffers (score rows only). */
  private readonly scoring?: { rows: Rows; acts: ForwardActs };
  private decoder?: Decoder;

  /** Sequences sample/greedy decode at once (0: the model was made to score only). */
  readonly decodeBatch: number;

  constructor(
    readonly gpu: Gpu,
    readonly config: Qwen2Config,
    params: Float32Array,
    shape: InferenceShape,
  ) {
    checkShape(config, params, shape.decodeBatch, shape.score);
    this.layout = paramLayout(config);
    this.decodeBatch = shape.decodeBatch ?? 0;
    this.params = gpu.upload(params, 'params');
    this.ropeTab = gpu.upload(
      ropeTable(config.max_position_embeddings, headDim(config), config.rope_theta),
      'rope table',
    );
    const score = shape.score;
    if (score) this.scoring = { rows: score, acts: allocForwardActs(gpu, config, score.batch * score.seqLen, false) };
  }

  /** A tensor of a flat buffer (parameters, or gradients and moments of the same layout) as a binding. */
  bind(buf: GPUBuffer, name: string): Binding {
    const s = this.layout.byName.get(name);
    if (!s) throw new Error(`no tensor ${name}`);
    return { buffer: buf, offset: s.offset * 4, size: slotElements(this.config, s) * 4 };
  }

  protected readonly p = (name: string): Binding => this.bind(this.params, name);

  /** Uploads a micro-batch into `a`; returns its number of counted tokens. */
  protected upload(a: ForwardActs, b: Batch): number {
    if (b.ids.length !== a.T) {
      throw new Error(`batch has ${b.ids.length} tokens, the model was built for ${a.T} (batch x seq_len)`);
    }
    this.gpu.write(a.ids, b.ids);
    this.gpu.write(a.targets, b.targets);
    this.gpu.write(a.mask, b.mask);
    return b.mask.reduce((s, x) => s + x, 0);
  }

  /** Embedding, the layers and the final norm (hf) over `rows` uploaded into `a`. */
  protected body(a: ForwardActs, rows: Rows): Dispatch[] {
    const c = this.config,
      T = a.T,
      S = rows.seqLen,
      B = rows.batch;
    const D = c.hidden_size,
      hd = headDim(c),
      H = c.num_attention_heads,
      KVH = c.num_key_value_heads;
    const table = this.p('model.embed_tokens.weight');
    const list: Dispatch[] = [embedding({ ids: a.ids, table, out: a.x[0], T, V: c.vocab_size, D })];
    for (let l = 0; l < c.num_hidden_layers; l++) {
      const L = a.layers[l];
      const positions = [
        rope({
          q: L.q,
          k: L.k,
          table: this.ropeTab,
          tablePositions: c.max_position_embeddings,
          T,
          S,
          heads: H,
          kvHeads: KVH,
          headDim: hd,
        }),
      ];
      const attend = attentionForward({ q: L.q, k: L.k, v: L.v, o: L.o, lse: L.lse, B, S, H, KVH, hd });
      list.push(...layerForward(c, l, T, this.p, { ...L, x: a.x[l], out: a.x[l + 1], tmp: a.tmp }, positions, attend));
    }
    const weight = this.p('model.norm.weight');
    list.push(rmsnorm({ x: a.x[c.num_hidden_layers], weight, y: a.hf, rstd: a.rstdf, T, D, eps: c.rms_norm_eps }));
    return list;
  }

  /**
   * The tied LM head and the loss (per token, summed); `entropy` also writes per-token entropies and
   * adds the bonus of a.entWeights (RL); `grad` also writes d(hf) and adds dEmbed.
   */
  protected head(a: ForwardActs, scale: number, logitScale = 1, entropy = false, grad?: HeadGrads): Dispatch[] {
    const c = this.config,
      T = a.T;
    return [
      ...lmHeadLoss({
        x: a.hf,
        embed: this.p('model.embed_tokens.weight'),
        targets: a.targets,
        mask: a.mask,
        loss: a.loss,
        logits: a.logits,
        dx: grad?.dx,
        dEmbed: grad?.dEmbed,
        T,
        D: c.hidden_size,
        vocab: c.vocab_size,
        embedRows: embedRows(c),
        chunkRows: T <= LOGIT_CHUNK ? T : LOGIT_CHUNK,
        scale,
        grad: !!grad,
        logitScale,
        entropy: entropy ? { weights: a.entWeights, out: a.entropy } : undefined,
      }),
      ...lossTotal(a.loss, a.lossPartials, a.lossSum, T),
    ];
  }

  /** The forward of tokenLogprobs over `a` (which keeps its activations). */
  protected async logprobsOver(a: ForwardActs, rows: Rows, b: Batch, logitScale: number): Promise<TokenLogprobs> {
    this.upload(a, b);
    this.gpu.write(a.entWeights, new Float32Array(b.mask.length));
    await this.gpu.run([...this.body(a, rows), ...this.head(a, 1, logitScale, true)]);
    const loss = await this.gpu.read(a.loss, Float32Array);
    const entropy = await this.gpu.read(a.entropy, Float32Array);
    return { logp: loss.map((l, t) => (b.mask[t] ? -l / b.mask[t] : 0)), entropy };
  }

  /**
   * log p(target) and the entropy of the whole next-token distribution, per token under logits *
   * logitScale (0 where the mask is 0).
   */
  async tokenLogprobs(b: Batch, logitScale = 1): Promise<TokenLogprobs> {
    if (!this.scoring)
      throw new Error('tokenLogprobs: the model was created without score rows (InferenceShape.score)');
    return this.logprobsOver(this.scoring.acts, this.scoring.rows, b, logitScale);
  }

  private decoding(): Decoder {
    if (!this.decodeBatch)
      throw new Error('sample/greedy: the model was created without a decodeBatch (InferenceShape)');
    const c = this.config;
    this.decoder ??= new Decoder(this.gpu, c, this.decodeBatch, c.max_position_embeddings, this.p, this.ropeTab);
    return this.decoder;
  }

  async greedy(prompts: Int32Array[], maxNew: number, stopId: number): Promise<Int32Array[]> {
    return this.decoding().greedy(prompts, maxNew, stopId);
  }

  /** Sampled continuations with their log-probabilities (ts/model/decoder.ts, docs/sampling.md). */
  async sample(prompts: Int32Array[], o: SampleOptions): Promise<Sampled> {
    return this.decoding().sample(prompts, o);
  }
}
