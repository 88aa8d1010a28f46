// The Qwen2 model on the GPU for training: the inference model (./inference.ts) plus gradients and
// AdamW moments, each one flat buffer of the parameters' layout, and the activations of a
// micro-batch that the backward reads. Training forward and backward over a micro-batch, AdamW
// steps with global-norm clipping, held-out loss, and the log-probabilities and policy gradient of
// GRPO (ts/rl/grpo.ts).
import type { Binding, Dispatch, Gpu } from '../gpu/device.js';
import { adamw, type ParamRange } from '../ops/adamw.js';
import { attentionBackwardScratch } from '../ops/attention.js';
import { fill } from '../ops/elementwise.js';
import { embeddingBackward, groupTokensById } from '../ops/embedding.js';
import { gradNorm, gradNormPartials } from '../ops/grad_norm.js';
import { bindingWindows } from '../ops/grid.js';
import { rmsnormBackward } from '../ops/rmsnorm.js';
import { allocForwardActs, allocGradActs, type ForwardActs, type GradActs } from './activations.js';
import type { Batch } from './batch.js';
import { headDim, type Qwen2Config } from './config.js';
import { checkRows, InferenceModel, type HeadGrads, type Rows, type TokenLogprobs } from './inference.js';
import { layerBackward } from './layer.js';
import { slotElements } from './params.js';

export interface OptimHyper {
  beta1: number;
  beta2: number;
  eps: number;
  weight_decay: number;
  /** Global gradient-norm clip; 0 = off. */
  clip: number;
}

export interface ModelShape extends Rows {
  /**
   * Sequences decoded at once by sample/greedy (default: batch). Its KV cache holds
   * decodeBatch x max_position_embeddings positions per layer, allocated on first use.
   */
  decodeBatch?: number;
}

export interface TrainingInit {
  params: Float32Array;
  /** AdamW moments of a resumed run (zero when left out). */
  m?: Float32Array;
  v?: Float32Array;
}

export class TrainingModel extends InferenceModel {
  readonly grads: GPUBuffer;
  readonly m: GPUBuffer;
  readonly v: GPUBuffer;
  private readonly acts: ForwardActs;
  private readonly gradActs: GradActs;
  private readonly clipStats: GPUBuffer;
  private readonly normPartials: GPUBuffer;
  private readonly ranges: ParamRange[];
  /** The batch whose forward activations the buffers hold (for policyGradient). */
  private bodyOf?: Batch;

  readonly shape: ModelShape;

  constructor(
    gpu: Gpu,
    config: Qwen2Config,
    init: TrainingInit,
    shape: ModelShape,
    readonly hyper: OptimHyper,
  ) {
    checkRows(config, shape);
    super(gpu, config, init.params, { decodeBatch: shape.decodeBatch ?? shape.batch });
    this.shape = shape;
    const n = this.layout.total;
    this.grads = gpu.buffer(n * 4, 'grads');
    this.m = init.m ? gpu.upload(init.m, 'adam.m') : gpu.buffer(n * 4, 'adam.m');
    this.v = init.v ? gpu.upload(init.v, 'adam.v') : gpu.buffer(n * 4, 'adam.v');
    const T = shape.batch * shape.seqLen;
    const attnScratch = attentionBackwardScratch({
      B: shape.batch,
      S: shape.seqLen,
      H: config.num_attention_heads,
      KVH: config.num_key_value_heads,
      hd: headDim(config),
    });
    this.acts = allocForwardActs(gpu, config, T, true);
    this.gradActs = allocGradActs(gpu, config, T, attnScratch);
    this.clipStats = gpu.buffer(8, 'grad norm stats');
    this.normPartials = gpu.buffer(gradNormPartials(n) * 4, 'grad norm partials');
    this.ranges = this.layout.slots.map((s) => ({ offset: s.offset, size: slotElements(config, s), decay: s.decay }));
  }

  private readonly g = (name: string): Binding => this.bind(this.grads, name);

  /** The forward over the uploaded micro-batch (loss and, with grad, d(hf) and dEmbed +=). */
  private forward(scale: number, grad: boolean): Dispatch[] {
    const head = this.head(this.acts, scale, 1, false, grad ? this.headGrads() : undefined);
    return [...this.body(this.acts, this.shape), ...head];
  }

  private headGrads(): HeadGrads {
    return { dx: this.gradActs.dH, dEmbed: this.g('model.embed_tokens.weight') };
  }

  /** The backward of the last forward; parameter gradients are added to `grads`. */
  private backward(): Dispatch[] {
    const c = this.config,
      a = this.acts,
      d = { ...this.gradActs, tmp: a.tmp },
      T = a.T,
      last = c.num_hidden_layers;
    const rows = { B: this.shape.batch, S: this.shape.seqLen };
    const list: Dispatch[] = rmsnormBackward({
      x: a.x[last],
      weight: this.p('model.norm.weight'),
      rstd: a.rstdf,
      dy: d.dH,
      dx: d.dResid,
      dw: this.g('model.norm.weight'),
      T,
      D: c.hidden_size,
      accumulateDw: true,
    });
    for (let l = last - 1; l >= 0; l--) {
      list.push(...layerBackward(c, l, rows, this.p, this.g, { ...a.layers[l], x: a.x[l] }, d, this.ropeTab));
    }
    list.push(
      embeddingBackward({
        offsets: d.embOffsets,
        positions: d.embPositions,
        dOut: d.dResid,
        dTable: this.g('model.embed_tokens.weight'),
        T,
        V: c.vocab_size,
        D: c.hidden_size,
        accumulate: true,
      }),
    );
    return list;
  }

  /** Token positions grouped by id, which the embedding backward reads. */
  private uploadGroups(ids: Uint32Array): void {
    const g = groupTokensById(ids, this.config.vocab_size);
    this.gpu.write(this.gradActs.embOffsets, g.offsets);
    this.gpu.write(this.gradActs.embPositions, g.positions);
  }

  async trainStep(batches: Batch[], lr: number, step: number): Promise<{ loss: number; gradNorm: number }> {
    const counted = batches.reduce((s, b) => s + b.mask.reduce((a, x) => a + x, 0), 0);
    if (!(counted > 0)) throw new Error('a training step needs at least one counted (mask > 0) token');
    const scale = 1 / counted;
    await this.zeroGrads();
    let lossSum = 0;
    for (const b of batches) {
      this.upload(this.acts, b);
      this.uploadGroups(b.ids);
      await this.gpu.run([...this.forward(scale, true), ...this.backward()]);
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
    await this.gpu.run(
      gradNorm({
        grads: this.grads,
        n: this.layout.total,
        partials: this.normPartials,
        stats: this.clipStats,
        maxNorm: h.clip,
        maxBindingBytes,
      }),
    );
    const [norm] = await this.gpu.read(this.clipStats, Float32Array, 1);
    if (Number.isFinite(norm)) {
      await this.gpu.run(
        adamw({
          params: this.params,
          grads: this.grads,
          m: this.m,
          v: this.v,
          clip: this.clipStats,
          ranges: this.ranges,
          lr,
          beta1: h.beta1,
          beta2: h.beta2,
          eps: h.eps,
          weightDecay: h.weight_decay,
          step,
          maxBindingBytes,
        }),
      );
    }
    return { gradNorm: norm };
  }

  /** As InferenceModel's, from a forward that keeps its activations for policyGradient(b). */
  override async tokenLogprobs(b: Batch, logitScale = 1): Promise<TokenLogprobs> {
    const out = await this.logprobsOver(this.acts, this.shape, b, logitScale);
    this.bodyOf = b;
    return out;
  }

  /**
   * Adds to the gradients Σ_t w_t ∇(-log p(target_t)) - e_t ∇H_t, i.e. the gradient of a loss whose
   * derivative by each token's log-probability is -w_t (RL: w_t = -dL/dlogp_t), plus an entropy
   * bonus e_t (none when `entropyWeights` is left out). Needs the activations of tokenLogprobs(b)
   * (same batch, nothing run in between).
   */
  async policyGradient(b: Batch, weights: Float32Array, logitScale = 1, entropyWeights?: Float32Array): Promise<void> {
    if (this.bodyOf !== b) {
      throw new Error('policyGradient: call tokenLogprobs on the same batch first (its activations are reused)');
    }
    this.bodyOf = undefined;
    this.gpu.write(this.acts.mask, weights);
    if (entropyWeights) this.gpu.write(this.acts.entWeights, entropyWeights);
    this.uploadGroups(b.ids);
    const head = this.head(this.acts, 1, logitScale, !!entropyWeights, this.headGrads());
    await this.gpu.run([...head, ...this.backward()]);
  }

  /** Forward and backward of one micro-batch without an update: the loss and the gradients (tests, oracle). */
  async lossAndGrads(b: Batch): Promise<{ loss: number; grads: Float32Array }> {
    const counted = b.mask.reduce((a, x) => a + x, 0);
    this.upload(this.acts, b);
    this.uploadGroups(b.ids);
    await this.gpu.run([...this.zeroGradsDispatches(), ...this.forward(1 / counted, true), ...this.backward()]);
    const loss = (await this.gpu.read(this.acts.lossSum, Float32Array, 1))[0] / counted;
    return { loss, grads: await this.gpu.read(this.grads, Float32Array) };
  }

  async evalLoss(b: Batch): Promise<number> {
    const counted = this.upload(this.acts, b);
    if (!(counted > 0)) return NaN;
    await this.gpu.run(this.forward(1 / counted, false));
    return (await this.gpu.read(this.acts.lossSum, Float32Array, 1))[0] / counted;
  }

  /** Logits of the last forward's first chunk (tests). */
  async logits(b: Batch): Promise<Float32Array> {
    this.upload(this.acts, b);
    await this.gpu.run(this.forward(1, false));
    return this.gpu.read(this.acts.logits, Float32Array);
  }

  /** Parameters and AdamW moments, flat, for checkpoints. */
  async snapshot(): Promise<{ params: Float32Array; m: Float32Array; v: Float32Array }> {
    return {
      params: await this.gpu.read(this.params, Float32Array),
      m: await this.gpu.read(this.m, Float32Array),
      v: await this.gpu.read(this.v, Float32Array),
    };
  }
}
