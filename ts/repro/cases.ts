// Every kernel of ts/ops (forward and backward entry points) on small fixed shapes and seeded inputs,
// each with its float64 reference from ts/ref: what `repro kernels` fingerprints. Shapes are small
// (seconds on a CPU adapter) but take each entry point's main path (vec4 and scalar where both exist).
import type { Dispatch, Gpu } from '../gpu/index.js';
import { adamw } from '../ops/adamw.js';
import {
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  type AttentionVariant,
} from '../ops/attention.js';
import { biasAdd, biasBackward } from '../ops/bias.js';
import { crossEntropy, lossTotal } from '../ops/cross_entropy.js';
import { binary, fill, type BinaryOp } from '../ops/elementwise.js';
import { embedding, embeddingBackward, groupTokensById } from '../ops/embedding.js';
import { gradNorm, gradNormPartials } from '../ops/grad_norm.js';
import { kvAppend, kvDecodeAttention } from '../ops/kvcache.js';
import { castF16 } from '../ops/cast.js';
import { matmul, matmulGrads, type MatmulArgs, type MatmulVariant } from '../ops/matmul.js';
import { CHUNK, reduceAll, reduceRows, type ReduceOp } from '../ops/reduce.js';
import { RMSNORM_EPS, rmsnorm, rmsnormBackward } from '../ops/rmsnorm.js';
import { rope, ropeAt, ropeBackward, ropeTable } from '../ops/rope.js';
import { sample, sampleWorkgroup } from '../ops/sample.js';
import { swiglu, swigluBackward } from '../ops/swiglu.js';
import { refAdamwStep, refGradNorm } from '../ref/adamw.js';
import { refAttentionBackward, refAttentionForward } from '../ref/attention.js';
import { refBiasAdd, refBiasBackward } from '../ref/bias.js';
import { refRoundF16 } from '../ref/cast.js';
import { refCrossEntropy } from '../ref/cross_entropy.js';
import { refBinary } from '../ref/elementwise.js';
import { refEmbedding, refEmbeddingBackward } from '../ref/embedding.js';
import { refKvAppend, refKvDecode } from '../ref/kvcache.js';
import { refMatmul } from '../ref/matmul.js';
import { refReduceRows } from '../ref/reduce.js';
import { refRmsNorm, refRmsNormBackward } from '../ref/rmsnorm.js';
import { refRope } from '../ref/rope.js';
import { refSampleRow, sampleUniform } from '../ref/sample.js';
import { refSwiglu, refSwigluBackward } from '../ref/swiglu.js';
import { randomArray, rng } from '../util/random.js';

/** One output of a kernel run: the device's values and the reference's. */
export interface CaseOutput {
  /** `shader.entry-or-role.output`, e.g. `matmul.grad.da`. */
  name: string;
  got: Float32Array | Uint32Array;
  want: ArrayLike<number>;
}

export interface KernelCase {
  /** The shader it runs (shaders/NAME.wgsl). */
  shader: string;
  /** Shape, for the reader. */
  shape: string;
  run(ctx: CaseContext): Promise<CaseOutput[]>;
}

/** What a case runs with: the device, seeded inputs, and buffers that are freed after the case. */
export class CaseContext {
  private readonly buffers: GPUBuffer[] = [];
  readonly rand: () => number;

  constructor(
    readonly gpu: Gpu,
    seed: number,
  ) {
    this.rand = rng(seed);
  }

  random(n: number, lo = -1, hi = 1): Float32Array {
    return randomArray(n, this.rand, lo, hi);
  }

  /** Integers in [0, n). */
  ids(count: number, n: number): Uint32Array {
    return Uint32Array.from({ length: count }, () => Math.floor(this.rand() * n));
  }

  upload(data: Float32Array | Uint32Array, label = 'repro'): GPUBuffer {
    const b = this.gpu.upload(data, label);
    this.buffers.push(b);
    return b;
  }

  /** A buffer of n f32 (or u32) elements, NaN-filled so an element a kernel fails to write shows. */
  out(n: number, label = 'repro-out'): GPUBuffer {
    return this.upload(new Float32Array(n).fill(Number.NaN), label);
  }

  async run(dispatches: Dispatch[]): Promise<void> {
    await this.gpu.run(dispatches);
  }

  read(b: GPUBuffer, n?: number): Promise<Float32Array> {
    return this.gpu.read(b, Float32Array, n);
  }

  readU32(b: GPUBuffer, n?: number): Promise<Uint32Array> {
    return this.gpu.read(b, Uint32Array, n);
  }

  release(): void {
    for (const b of this.buffers.splice(0)) b.destroy();
  }
}

/** A product and its two gradients, on the lavapipe kernel or a block tile (`variant`: bit-identical). */
function matmulCase(
  entry: string,
  M: number,
  N: number,
  K: number,
  transB: boolean,
  variant: MatmulVariant = 'lavapipe',
): KernelCase {
  const shader = variant === 'lavapipe' ? 'matmul' : 'matmul_tiled';
  return {
    shader,
    shape: `M=${M} N=${N} K=${K}${transB ? ' transB' : ''}`,
    async run(c) {
      const a = c.random(M * K),
        b = c.random(K * N),
        dc = c.random(M * N);
      const fwd: MatmulArgs = { a: c.upload(a), b: c.upload(b), c: c.out(M * N), M, N, K, transB, variant };
      const da = c.out(M * K),
        db = c.out(K * N);
      await c.run([matmul(fwd), ...matmulGrads(fwd, c.upload(dc), { da, db })]);
      const shape = { M, N, K, transB };
      // dA = dC·op(B)ᵀ, dB = Aᵀ·dC (stored transposed when transB).
      const wantDa = refMatmul({ a: dc, b, M, N: K, K: N, transB: !transB });
      const wantDb = transB
        ? refMatmul({ a: dc, b: a, M: N, N: K, K: M, transA: true })
        : refMatmul({ a, b: dc, M: K, N, K: M, transA: true });
      return [
        { name: `${shader}.${entry}.c`, got: await c.read(fwd.c as GPUBuffer), want: refMatmul({ a, b, ...shape }) },
        { name: `${shader}.${entry}.grad.da`, got: await c.read(da), want: wantDa },
        { name: `${shader}.${entry}.grad.db`, got: await c.read(db), want: wantDb },
      ];
    },
  };
}

const rmsnormCase: KernelCase = {
  shader: 'rmsnorm',
  shape: 'T=6 D=16',
  async run(c) {
    const T = 6,
      D = 16;
    const x = c.random(T * D),
      w = c.random(D, 0.5, 1.5),
      dy = c.random(T * D);
    const [bx, bw] = [c.upload(x), c.upload(w)];
    const y = c.out(T * D),
      rstd = c.out(T),
      dx = c.out(T * D),
      dw = c.out(D);
    await c.run([
      rmsnorm({ x: bx, weight: bw, y, rstd, T, D }),
      ...rmsnormBackward({ x: bx, weight: bw, rstd, dy: c.upload(dy), dx, dw, T, D }),
    ]);
    const ref = refRmsNorm(x, w, T, D, RMSNORM_EPS);
    const grad = refRmsNormBackward(x, w, dy, T, D, RMSNORM_EPS);
    return [
      { name: 'rmsnorm.forward.y', got: await c.read(y), want: ref.y },
      { name: 'rmsnorm.forward.rstd', got: await c.read(rstd), want: ref.rstd },
      { name: 'rmsnorm.backward.dx', got: await c.read(dx), want: grad.dx },
      { name: 'rmsnorm.backward.dw', got: await c.read(dw), want: grad.dw },
    ];
  },
};

const ropeCase: KernelCase = {
  shader: 'rope',
  shape: 'T=8 S=4 heads=2 kvHeads=1 headDim=8 (at: 3 rows)',
  async run(c) {
    const T = 8,
      S = 4,
      heads = 2,
      kvHeads = 1,
      headDim = 8,
      P = 6;
    const table = ropeTable(P, headDim);
    const bt = c.upload(table);
    const q = c.random(T * heads * headDim),
      k = c.random(T * kvHeads * headDim);
    const args = { table: bt, tablePositions: P, T, S, heads, kvHeads, headDim, offset: 1 };
    const [fq, fk, bq, bk] = [c.upload(q), c.upload(k), c.upload(q), c.upload(k)];
    const rows = 3,
      pos = Uint32Array.from([5, 0, 2]);
    const aq = c.random(rows * heads * headDim),
      ak = c.random(rows * kvHeads * headDim);
    const [atq, atk] = [c.upload(aq), c.upload(ak)];
    await c.run([
      rope({ ...args, q: fq, k: fk }),
      ropeBackward({ ...args, q: bq, k: bk }),
      ropeAt({ q: atq, k: atk, table: bt, tablePositions: P, positions: c.upload(pos), rows, heads, kvHeads, headDim }),
    ]);
    const ref = (x: Float32Array, h: number, inverse: boolean) => refRope(x, table, T, S, h, headDim, 1, inverse);
    // ropeAt: each row at its own position, one row at a time.
    const at = (x: Float32Array, h: number) => {
      const w = h * headDim;
      const out = new Float64Array(rows * w);
      for (let r = 0; r < rows; r++)
        out.set(refRope(x.subarray(r * w, (r + 1) * w), table, 1, 1, h, headDim, pos[r]), r * w);
      return out;
    };
    return [
      { name: 'rope.forward.q', got: await c.read(fq), want: ref(q, heads, false) },
      { name: 'rope.forward.k', got: await c.read(fk), want: ref(k, kvHeads, false) },
      { name: 'rope.backward.dq', got: await c.read(bq), want: ref(q, heads, true) },
      { name: 'rope.backward.dk', got: await c.read(bk), want: ref(k, kvHeads, true) },
      { name: 'rope.at.q', got: await c.read(atq), want: at(aq, heads) },
      { name: 'rope.at.k', got: await c.read(atk), want: at(ak, kvHeads) },
    ];
  },
};

const ATTENTION_SHAPE = { B: 2, S: 5, H: 2, KVH: 1, hd: 8 };
const ATTENTION_SHAPE_TEXT = 'B=2 S=5 H=2 KVH=1 hd=8';

/**
 * Attention forward and backward on `variant` (tiled ones in the rolled form CPU adapters compile
 * quickly) with seeded q, k, v, dO, and the f64 reference of each output.
 */
async function attentionOutputs(c: CaseContext, variant: AttentionVariant) {
  const shape = ATTENTION_SHAPE;
  const T = shape.B * shape.S,
    qw = shape.H * shape.hd,
    kw = shape.KVH * shape.hd;
  const q = c.random(T * qw),
    k = c.random(T * kw),
    v = c.random(T * kw),
    dO = c.random(T * qw);
  const bufs = { q: c.upload(q), k: c.upload(k), v: c.upload(v), o: c.out(T * qw), lse: c.out(T * shape.H) };
  const grads = { dq: c.out(T * qw), dk: c.out(T * kw), dv: c.out(T * kw) };
  const scratch = c.out(attentionBackwardScratch(shape));
  const args = { ...shape, ...bufs, ...grads, dO: c.upload(dO), scratch, variant, unroll: false };
  await c.run([...attentionForward(args), ...attentionBackward(args)]);
  const fwd = refAttentionForward({ ...shape, q, k, v });
  const grad = refAttentionBackward({ ...shape, q, k, v, dO });
  return {
    forward: { o: { got: await c.read(bufs.o), want: fwd.o }, lse: { got: await c.read(bufs.lse), want: fwd.lse } },
    backward: {
      dq: { got: await c.read(grads.dq), want: grad.dq },
      dk: { got: await c.read(grads.dk), want: grad.dk },
      dv: { got: await c.read(grads.dv), want: grad.dv },
    },
  };
}

/** `outs` as case outputs named `prefix.NAME`. */
const named = (prefix: string, outs: Record<string, Omit<CaseOutput, 'name'>>): CaseOutput[] =>
  Object.entries(outs).map(([name, o]) => ({ name: `${prefix}.${name}`, ...o }));

const attentionCase: KernelCase = {
  shader: 'attention',
  shape: ATTENTION_SHAPE_TEXT,
  async run(c) {
    const { forward, backward } = await attentionOutputs(c, 'lavapipe');
    return [...named('attention.forward', forward), ...named('attention.backward', backward)];
  },
};

// The tiled kernels a GPU may choose (ts/ops/attention_select.ts), built to give the lavapipe
// kernels' bits: the forward (shaders/attention_tiled.wgsl) and the backward
// (shaders/attention_tiled_bwd.wgsl, its outputs named so) from one run.
const attentionTiledCase: KernelCase = {
  shader: 'attention_tiled',
  shape: `${ATTENTION_SHAPE_TEXT}, tiled64`,
  async run(c) {
    const { forward, backward } = await attentionOutputs(c, 'tiled64');
    return [...named('attention_tiled.forward', forward), ...named('attention_tiled_bwd.backward', backward)];
  },
};

const swigluCase: KernelCase = {
  shader: 'swiglu',
  shape: 'n=64',
  async run(c) {
    const n = 64;
    const gate = c.random(n, -4, 4),
      up = c.random(n),
      dh = c.random(n);
    const [bg, bu] = [c.upload(gate), c.upload(up)];
    const h = c.out(n),
      dgate = c.out(n),
      dup = c.out(n);
    await c.run([
      swiglu({ gate: bg, up: bu, h, n }),
      swigluBackward({ gate: bg, up: bu, dh: c.upload(dh), dgate, dup, n }),
    ]);
    const grad = refSwigluBackward(gate, up, dh);
    return [
      { name: 'swiglu.forward.h', got: await c.read(h), want: refSwiglu(gate, up) },
      { name: 'swiglu.backward.dgate', got: await c.read(dgate), want: grad.dgate },
      { name: 'swiglu.backward.dup', got: await c.read(dup), want: grad.dup },
    ];
  },
};

const embeddingCase: KernelCase = {
  shader: 'embedding',
  shape: 'T=9 V=11 D=8',
  async run(c) {
    const T = 9,
      V = 11,
      D = 8;
    const ids = c.ids(T, V),
      table = c.random(V * D),
      dOut = c.random(T * D);
    const groups = groupTokensById(ids, V);
    const out = c.out(T * D),
      dTable = c.out(V * D);
    await c.run([
      embedding({ ids: c.upload(ids), table: c.upload(table), out, T, V, D }),
      embeddingBackward({
        offsets: c.upload(groups.offsets),
        positions: c.upload(groups.positions),
        dOut: c.upload(dOut),
        dTable,
        T,
        V,
        D,
      }),
    ]);
    return [
      { name: 'embedding.forward.out', got: await c.read(out), want: refEmbedding(ids, table, D) },
      { name: 'embedding.backward.dtable', got: await c.read(dTable), want: refEmbeddingBackward(ids, dOut, V, D) },
    ];
  },
};

function crossEntropyCase(entry: string, stride: number, entropy: boolean): KernelCase {
  return {
    shader: 'cross_entropy',
    shape: `rows=5 vocab=13 stride=${stride}${entropy ? ' entropy' : ''}`,
    async run(c) {
      const rows = 5,
        vocab = 13,
        scale = 1 / 4;
      const logits = c.random(rows * stride, -3, 3),
        targets = c.ids(rows, vocab);
      const mask = Float32Array.from([1, 1, 0, 1, 1]);
      const ent = Float32Array.from([0.1, 0, 0.2, 0.05, 0]);
      const bl = c.upload(logits),
        loss = c.out(rows),
        entOut = c.out(rows),
        total = c.out(1);
      const d = crossEntropy({
        logits: bl,
        targets: c.upload(targets),
        mask: c.upload(mask),
        loss,
        rows,
        vocab,
        stride,
        scale,
        entropy: entropy ? { weights: c.upload(ent), out: entOut } : undefined,
      });
      await c.run([d, ...lossTotal(loss, c.out(Math.ceil(rows / CHUNK)), total, rows)]);
      const ref = refCrossEntropy({
        logits,
        targets,
        mask,
        rows,
        vocab,
        stride,
        scale,
        ent: entropy ? ent : undefined,
      });
      // Padding columns are not the kernel's output.
      const cols = (x: ArrayLike<number>) =>
        Float64Array.from({ length: rows * vocab }, (_, i) => x[Math.floor(i / vocab) * stride + (i % vocab)]);
      const out: CaseOutput[] = [
        { name: `cross_entropy.${entry}.loss`, got: await c.read(loss), want: ref.loss },
        {
          name: `cross_entropy.${entry}.dlogits`,
          got: Float32Array.from(cols(await c.read(bl))),
          want: cols(ref.dlogits),
        },
        {
          name: `cross_entropy.${entry}.loss_total`,
          got: await c.read(total),
          want: [ref.loss.reduce((s, x) => s + x)],
        },
      ];
      if (entropy) out.push({ name: `cross_entropy.${entry}.entropy`, got: await c.read(entOut), want: ref.entropy });
      return out;
    },
  };
}

const adamwCase: KernelCase = {
  shader: 'adamw',
  shape: 'n=72 (vec4 range 0..64 with decay, scalar range 64..71 without)',
  async run(c) {
    const n = 72;
    const hyper = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, step: 3 };
    const ranges = [
      { offset: 0, size: 64, decay: true },
      { offset: 65, size: 7, decay: false },
    ];
    const params = c.random(n),
      grads = c.random(n),
      m = c.random(n, -0.1, 0.1),
      v = c.random(n, 0, 0.01);
    const clipFactor = 0.75;
    const bufs = { params: c.upload(params), grads: c.upload(grads), m: c.upload(m), v: c.upload(v) };
    await c.run(adamw({ ...hyper, ...bufs, clip: c.upload(Float32Array.from([1, clipFactor])), ranges }));
    const s = { params: Float64Array.from(params), m: Float64Array.from(m), v: Float64Array.from(v) };
    refAdamwStep(s, grads, ranges, hyper, clipFactor);
    return [
      { name: 'adamw.step.params', got: await c.read(bufs.params), want: s.params },
      { name: 'adamw.step.m', got: await c.read(bufs.m), want: s.m },
      { name: 'adamw.step.v', got: await c.read(bufs.v), want: s.v },
    ];
  },
};

const gradNormCase: KernelCase = {
  shader: 'grad_norm',
  shape: `n=${CHUNK + 904} maxNorm=1`,
  async run(c) {
    const n = CHUNK + 904;
    const grads = c.random(n, -0.05, 0.05);
    const stats = c.out(2);
    await c.run(gradNorm({ grads: c.upload(grads), n, partials: c.out(gradNormPartials(n)), stats, maxNorm: 1 }));
    const ref = refGradNorm(grads, 1);
    return [{ name: 'grad_norm.stats', got: await c.read(stats), want: [ref.norm, ref.factor] }];
  },
};

const biasCase: KernelCase = {
  shader: 'bias',
  shape: 'T=7 N=12',
  async run(c) {
    const T = 7,
      N = 12;
    const x = c.random(T * N),
      bias = c.random(N),
      dy = c.random(T * N);
    const bx = c.upload(x),
      db = c.out(N);
    await c.run([biasAdd({ x: bx, bias: c.upload(bias), T, N }), ...biasBackward({ dy: c.upload(dy), db, T, N })]);
    return [
      { name: 'bias.forward.y', got: await c.read(bx), want: refBiasAdd(x, bias, T, N) },
      { name: 'bias.backward.db', got: await c.read(db), want: refBiasBackward(dy, T, N) },
    ];
  },
};

const elementwiseCase: KernelCase = {
  shader: 'elementwise',
  shape: 'n=37; add sub mul div axpby(0.3, -1.7), fill',
  async run(c) {
    const n = 37;
    const a = c.random(n),
      b = c.random(n, 0.5, 2);
    const [ba, bb] = [c.upload(a), c.upload(b)];
    const ops: [BinaryOp, number, number][] = [
      ['add', 1, 1],
      ['sub', 1, 1],
      ['mul', 1, 1],
      ['div', 1, 1],
      ['axpby', 0.3, -1.7],
    ];
    const outs = ops.map(() => c.out(n));
    const filled = c.out(n);
    await c.run([...ops.map(([op, x, y], i) => binary(op, ba, bb, outs[i], n, x, y)), fill(filled, n, 0.1)]);
    const res: CaseOutput[] = [];
    for (const [i, [op, x, y]] of ops.entries())
      res.push({ name: `elementwise.${op}`, got: await c.read(outs[i]), want: refBinary(op, a, b, x, y) });
    res.push({ name: 'elementwise.fill', got: await c.read(filled), want: new Float64Array(n).fill(0.1) });
    return res;
  },
};

const reduceCase: KernelCase = {
  shader: 'reduce',
  shape: `rows=5 cols=19 (sum max sumsq); all: n=${2 * CHUNK + 77}`,
  async run(c) {
    const rows = 5,
      cols = 19,
      n = 2 * CHUNK + 77;
    const x = c.random(rows * cols),
      big = c.random(n);
    const bx = c.upload(x);
    const ops: ReduceOp[] = ['sum', 'max', 'sumsq'];
    const outs = ops.map(() => c.out(rows));
    const total = c.out(1);
    await c.run([
      ...ops.map((op, i) => reduceRows(op, bx, outs[i], rows, cols)),
      ...reduceAll('sum', c.upload(big), c.out(Math.ceil(n / CHUNK)), total, n),
    ]);
    const res: CaseOutput[] = [];
    for (const [i, op] of ops.entries())
      res.push({ name: `reduce.rows.${op}`, got: await c.read(outs[i]), want: refReduceRows(op, x, rows, cols) });
    res.push({ name: 'reduce.all.sum', got: await c.read(total), want: refReduceRows('sum', big, 1, n) });
    if (c.gpu.hasSubgroups) {
      const max = c.out(rows);
      await c.run([reduceRows('max', bx, max, rows, cols, rows * cols, 'subgroup')]);
      res.push({ name: 'reduce_subgroup.max', got: await c.read(max), want: refReduceRows('max', x, rows, cols) });
    }
    return res;
  },
};

const kvcacheCase: KernelCase = {
  shader: 'kvcache',
  shape: 'B=2 H=2 KVH=1 hd=8 L=6 (append R=2)',
  async run(c) {
    const B = 2,
      H = 2,
      KVH = 1,
      hd = 8,
      L = 6,
      R = 2,
      W = KVH * hd;
    const rows = c.random(B * R * W),
      cache = c.random(B * L * W),
      pos = Uint32Array.from([1, 4]);
    const bc = c.upload(cache);
    const q = c.random(B * H * hd),
      k = c.random(B * L * W),
      v = c.random(B * L * W),
      lens = Uint32Array.from([3, 6]);
    const o = c.out(B * H * hd);
    await c.run([
      kvAppend({ rows: c.upload(rows), pos: c.upload(pos), cache: bc, B, R, L, width: W }),
      kvDecodeAttention({
        q: c.upload(q),
        kCache: c.upload(k),
        vCache: c.upload(v),
        lens: c.upload(lens),
        o,
        B,
        H,
        KVH,
        hd,
        L,
      }),
    ]);
    return [
      { name: 'kvcache.append.cache', got: await c.read(bc), want: refKvAppend(rows, pos, cache, B, R, L, W) },
      { name: 'kvcache.decode.o', got: await c.read(o), want: refKvDecode(q, k, v, lens, { B, H, KVH, hd, L }) },
    ];
  },
};

const sampleCase: KernelCase = {
  shader: 'sample',
  shape: 'B=4 vocab=13 stride=16 temperature=0.8 topK=6 topP=0.9',
  async run(c) {
    const B = 4,
      vocab = 13,
      stride = 16;
    const opts = { temperature: 0.8, topK: 6, topP: 0.9 };
    const seed = 1234,
      step = 7;
    const logits = c.random(B * stride, -3, 3);
    const tokens = c.out(B),
      logprobs = c.out(B);
    const workgroupSize = sampleWorkgroup(c.gpu.adapterKind);
    await c.run([
      sample({ logits: c.upload(logits), tokens, logprobs, B, vocab, stride, ...opts, seed, step, workgroupSize }),
    ]);
    const ref = Array.from({ length: B }, (_, r) =>
      refSampleRow(logits.subarray(r * stride, r * stride + vocab), opts, sampleUniform(seed, step, r)),
    );
    return [
      { name: 'sample.tokens', got: await c.readU32(tokens), want: ref.map((x) => x.token) },
      { name: 'sample.logprobs', got: await c.read(logprobs), want: ref.map((x) => x.logprob) },
    ];
  },
};

// f32 -> f16 through matmul's f16 option against the identity: C = f32(f16(x)) exactly (each output
// is one product by 1 plus zeros). Where the adapter lacks shader-f16 it has no outputs.
const castCase: KernelCase = {
  shader: 'cast',
  shape: 'n=5x24, f16 matmul by I',
  async run(c) {
    if (!c.gpu.hasF16) return [];
    const M = 5,
      K = 24;
    const x = c.random(M * K);
    const eye = new Float32Array(K * K).map((_, i) => (i % (K + 1) === 0 ? 1 : 0));
    const [xh, eh] = [c.out((M * K) / 2), c.out((K * K) / 2)];
    const y = c.out(M * K);
    await c.run([
      castF16({ x: c.upload(x), y: xh, n: M * K }),
      castF16({ x: c.upload(eye), y: eh, n: K * K }),
      matmul({ a: xh, b: eh, c: y, M, N: K, K, f16: true, variant: 'tiled32' }),
    ]);
    return [{ name: 'cast.to_f16', got: await c.read(y), want: Array.from(x, refRoundF16) }];
  },
};

/** Every kernel case, in a fixed order (the order of the fingerprint). */
export const KERNEL_CASES: KernelCase[] = [
  matmulCase('vec4', 16, 24, 20, false),
  matmulCase('vec4_transB', 16, 24, 20, true),
  matmulCase('scalar', 9, 7, 5, false),
  rmsnormCase,
  ropeCase,
  attentionCase,
  attentionTiledCase,
  swigluCase,
  embeddingCase,
  crossEntropyCase('vec4', 16, false),
  crossEntropyCase('scalar', 13, false),
  crossEntropyCase('entropy', 16, true),
  adamwCase,
  gradNormCase,
  biasCase,
  elementwiseCase,
  reduceCase,
  kvcacheCase,
  sampleCase,
  // Appended: a case's seed follows its position.
  matmulCase('tiled64', 70, 36, 45, true, 'tiled64'),
  castCase,
];
