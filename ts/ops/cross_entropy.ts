// Host side of shaders/cross_entropy.wgsl (softmax cross-entropy fused with its gradient), and the
// tied LM head recorded around it: logits = x·Eᵀ, loss and dlogits, dx = dlogits·E, dE += dlogitsᵀ·x,
// a chunk of tokens at a time so the logits buffer stays [chunkRows, V].
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import body from '../../shaders/cross_entropy.wgsl';
import { grid2d } from './grid.js';
import { matmul, matmulGrads, type MatmulArgs } from './matmul.js';
import { reduceAll } from './reduce.js';

const source = withDetMath(body);

const scalarKernel: Kernel = { name: 'cross_entropy', source, entry: 'ce_scalar' };
const vec4Kernel: Kernel = { name: 'cross_entropy', source, entry: 'ce_vec4' };
const entropyKernel: Kernel = { name: 'cross_entropy', source, entry: 'ce_entropy_vec4' };
const WG = 32; // rows per workgroup
/** Row alignment of chunks: 64 rows of f32 start every binding on a 256-byte boundary, whatever D. */
export const CHUNK_ALIGN = 64;

export interface CrossEntropyArgs {
  /** [rows, stride] logits of this chunk; overwritten by dlogits when `grad` (the default). */
  logits: Binding;
  /** [T] u32 target ids; rows with mask 0 may hold any value. */
  targets: Binding;
  /** [T] f32 per-token weight (0 or 1 for a loss mask). */
  mask: Binding;
  /** [T] f32 per-token loss, mask-weighted; this chunk writes [rowOffset, rowOffset + rows). */
  loss: Binding;
  rows: number;
  /** Classes that count (V). */
  vocab: number;
  /** Row stride of `logits` (default vocab); columns vocab..stride-1 are padding, gradient 0. */
  stride?: number;
  /** Token index of the chunk's first row in targets, mask and loss (default 0). */
  rowOffset?: number;
  /** Gradient scale: 1 / (unmasked tokens in the whole batch) makes the loss a masked mean. */
  scale: number;
  /** Write dlogits over the logits (default true); false for evaluation. */
  grad?: boolean;
  /** RL's entropy bonus (needs stride % 4 == 0). */
  entropy?: EntropyArgs;
}

export interface EntropyArgs {
  /** [T] f32 weight e_t: the gradient of -e_t H_t is added to dlogits (0 for none). */
  weights: Binding;
  /** [T] f32 entropy H_t of each row's softmax (out; 0 where mask and weight are both 0). */
  out: Binding;
}

/**
 * loss[t] = w_t (logsumexp(z) - z[target]); logits <- w_t scale (softmax(z) - onehot(target)), plus
 * with `entropy` the gradient of -e_t H_t.
 */
export function crossEntropy(a: CrossEntropyArgs): Dispatch {
  const stride = a.stride ?? a.vocab;
  const rowOffset = a.rowOffset ?? 0;
  if (!(a.rows > 0 && a.vocab > 0))
    throw new Error(`crossEntropy: rows and vocab must be positive, got rows=${a.rows} vocab=${a.vocab}`);
  if (!(stride >= a.vocab)) throw new Error(`crossEntropy: stride ${stride} is below vocab ${a.vocab}`);
  if (!(Number.isInteger(rowOffset) && rowOffset >= 0))
    throw new Error(`crossEntropy: rowOffset ${rowOffset} must be a non-negative integer`);
  if (!Number.isFinite(a.scale))
    throw new Error(`crossEntropy: scale ${a.scale} must be finite (1 / unmasked tokens; 0 when there are none)`);
  if (a.entropy && stride % 4)
    throw new Error(
      `crossEntropy: the entropy bonus needs a row stride that is a multiple of 4, got ${stride} (pad the vocabulary)`,
    );
  return {
    kernel: a.entropy ? entropyKernel : stride % 4 === 0 ? vec4Kernel : scalarKernel,
    constants: { GRAD: a.grad ?? true },
    buffers: [a.logits, a.targets, a.mask, a.loss, ...(a.entropy ? [a.entropy.weights, a.entropy.out] : [])],
    params: new Params(5).u32(a.rows).u32(a.vocab).u32(stride).u32(rowOffset).f32(a.scale).words,
    workgroups: grid2d(Math.ceil(a.rows / WG)),
  };
}

/**
 * out[0] = Σ loss[t] over T tokens in a fixed order (bit-identical run to run); `partials` holds
 * ceil(T / CHUNK) floats (CHUNK from ./reduce.ts). The masked mean is that sum times the host's scale.
 */
export function lossTotal(loss: Binding, partials: Binding, out: Binding, T: number): Dispatch[] {
  return reduceAll('sum', loss, partials, out, T);
}

export interface LmHeadArgs {
  /** [T, D] final hidden states (after the last norm). */
  x: Binding;
  /** [embedRows, D] tied embedding; rows past `vocab` are padding (e.g. to a multiple of 4) and never win. */
  embed: Binding;
  targets: Binding;
  mask: Binding;
  /** [T] per-token masked loss (out). */
  loss: Binding;
  /** Scratch for one chunk's logits: at least min(chunkRows, T) * embedRows floats. */
  logits: GPUBuffer;
  /** [T, D] gradient of x (written); required with grad. */
  dx?: Binding;
  /** [embedRows, D] gradient of the embedding, added to (tied weights collect two gradients); required with grad. */
  dEmbed?: Binding;
  T: number;
  D: number;
  vocab: number;
  /** Rows of `embed` (default vocab). A multiple of 4 lets every product and the loss take vec4 paths. */
  embedRows?: number;
  /** Tokens per chunk: a multiple of CHUNK_ALIGN, or >= T (one chunk). */
  chunkRows: number;
  /** 1 / (unmasked tokens in the whole batch). */
  scale: number;
  /** Record the backward products too (default true). */
  grad?: boolean;
  /** Logits are (x·Eᵀ) * logitScale, e.g. 1/temperature for a policy sampled at that temperature. */
  logitScale?: number;
  /** Per-token entropies out and the entropy bonus' weights (RL). */
  entropy?: EntropyArgs;
}

/** Rows [r0, r0 + n) of a [*, D] binding (r0 * D * 4 is 256-byte aligned, so an aligned binding stays aligned). */
function rowsOf(b: Binding, r0: number, n: number, D: number, whole: boolean): Binding {
  if (whole) return b;
  const { buffer, offset } = 'offset' in b ? b : { buffer: b, offset: 0 };
  return { buffer, offset: offset + r0 * D * 4, size: n * D * 4 };
}

/** The fused LM-head step over all T tokens, chunk by chunk: logits, loss, dx and dEmbed. */
export function lmHeadLoss(a: LmHeadArgs): Dispatch[] {
  const { T, D, vocab } = a;
  const V = a.embedRows ?? vocab;
  const grad = a.grad ?? true;
  if (!(T > 0 && D > 0)) throw new Error(`lmHeadLoss: T and D must be positive, got T=${T} D=${D}`);
  if (!(V >= vocab)) throw new Error(`lmHeadLoss: embedRows ${V} is below vocab ${vocab}`);
  if (!(a.chunkRows >= T || (a.chunkRows > 0 && a.chunkRows % CHUNK_ALIGN === 0))) {
    throw new Error(
      `lmHeadLoss: chunkRows ${a.chunkRows} must be a multiple of ${CHUNK_ALIGN} (256-byte aligned row ranges) or at least T=${T}`,
    );
  }
  if (grad && !(a.dx && a.dEmbed)) throw new Error('lmHeadLoss: dx and dEmbed are required when grad is on');
  const chunk = Math.min(a.chunkRows, T);
  if (a.logits.size < chunk * V * 4)
    throw new Error(`lmHeadLoss: logits scratch holds ${a.logits.size / 4} floats, needs ${chunk} x ${V}`);
  const list: Dispatch[] = [];
  for (let r0 = 0; r0 < T; r0 += chunk) {
    const n = Math.min(chunk, T - r0);
    const whole = n === T;
    const fwd: MatmulArgs = {
      a: rowsOf(a.x, r0, n, D, whole),
      b: a.embed,
      c: a.logits,
      M: n,
      N: V,
      K: D,
      transB: true,
      alpha: a.logitScale ?? 1,
    };
    list.push(
      matmul(fwd),
      crossEntropy({
        logits: a.logits,
        targets: a.targets,
        mask: a.mask,
        loss: a.loss,
        rows: n,
        vocab,
        stride: V,
        rowOffset: r0,
        scale: a.scale,
        grad,
        entropy: a.entropy,
      }),
    );
    if (grad) {
      list.push(
        ...matmulGrads(fwd, a.logits, { da: rowsOf(a.dx!, r0, n, D, whole) }),
        ...matmulGrads(fwd, a.logits, { db: a.dEmbed, accumulate: true }),
      );
    }
  }
  return list;
}
