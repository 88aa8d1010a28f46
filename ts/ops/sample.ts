// Host side of shaders/sample.wgsl: one token per row drawn from logits (temperature, top-k, top-p,
// counter-based RNG), with its log-probability log_softmax(logits / T)[token] over the whole
// vocabulary (T-scaled; T = 1 when greedy; not renormalised by top-k / top-p).
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import { SAMPLE_CHUNKS } from '../ref/sample.js';
import body from '../../shaders/sample.wgsl';

const kernel: Kernel = { name: 'sample', source: withDetMath(body), entry: 'sample' };

export interface SampleArgs {
  /** [rows, stride] f32 logits; columns past `vocab` are padding. */
  logits: Binding;
  /** [B] u32 chosen ids (out). */
  tokens: Binding;
  /** [B] f32 log_softmax(logits / T)[token] (out; T = 1 for greedy rows). */
  logprobs: Binding;
  B: number;
  vocab: number;
  /** Row stride of `logits`, a multiple of 4 (e.g. the embedding's padded rows). */
  stride: number;
  /** One temperature for every row, or [B] f32 per row. 0 (or below, per row) = greedy argmax. */
  temperature: number | Binding;
  /** Keep the k largest logits (ties at the k-th kept); 0 = off (default). */
  topK?: number;
  /** Keep the smallest top set holding this share of the (top-k) mass; 1 = off (default). */
  topP?: number;
  /** RNG counter: row r draws from (seed, step, rngRow + r). */
  seed: number;
  step: number;
  rngRow?: number;
  /** First logits row read (default 0). */
  logitsRow?: number;
  /** Every output row samples logits row `logitsRow` (e.g. a group of one prompt); default false. */
  broadcast?: boolean;
  /**
   * Invocations per row, a power of two in [4, 64] (default 64); the result does not depend on it
   * (the kernel sums 64 fixed chunks per row in a fixed order). Barriers dominate on CPU adapters
   * (lavapipe: 384 rows x 2201 ids took 15 ms at 64, 9 ms at 8): see sampleWorkgroup.
   */
  workgroupSize?: number;
}

/** A workgroup size that suits the adapter kind (Gpu.adapterKind): 64 on GPUs, 8 on CPU adapters. */
export function sampleWorkgroup(adapterKind: string): number {
  return adapterKind === 'gpu' ? 64 : 8;
}

const u32 = (name: string, v: number) => {
  if (!(Number.isInteger(v) && v >= 0 && v < 2 ** 32))
    throw new Error(`sample: ${name} ${v} must be an integer in [0, 2^32)`);
  return v;
};

export function sample(a: SampleArgs): Dispatch {
  const topK = a.topK ?? 0,
    topP = a.topP ?? 1;
  if (!(Number.isInteger(a.B) && a.B > 0 && a.B <= 65535))
    throw new Error(`sample: B ${a.B} must be an integer in [1, 65535] (one workgroup per row)`);
  if (!(a.vocab > 0 && a.vocab <= a.stride))
    throw new Error(`sample: vocab ${a.vocab} must be in [1, stride ${a.stride}]`);
  if (a.stride % 4) throw new Error(`sample: stride ${a.stride} must be a multiple of 4 (vec4 rows; pad the logits)`);
  if (!(topP > 0 && topP <= 1)) throw new Error(`sample: topP ${topP} must be in (0, 1]`);
  const wg = a.workgroupSize ?? 64;
  if (!(Number.isInteger(Math.log2(wg)) && wg >= 4 && wg <= SAMPLE_CHUNKS))
    throw new Error(`sample: workgroupSize ${wg} must be a power of two in [4, ${SAMPLE_CHUNKS}]`);
  const perRow = typeof a.temperature !== 'number';
  const T = perRow ? 0 : (a.temperature as number);
  if (!(Number.isFinite(T) && T >= 0))
    throw new Error(`sample: temperature ${T} must be a finite number >= 0 (0 = greedy)`);
  const params = new Params(12)
    .u32(a.B)
    .u32(a.vocab)
    .u32(a.stride / 4)
    .u32(u32('topK', topK))
    .f32(topP)
    .f32(T)
    .u32(perRow ? 1 : 0)
    .u32(u32('seed', a.seed))
    .u32(u32('step', a.step))
    .u32(u32('rngRow', a.rngRow ?? 0))
    .u32(u32('logitsRow', a.logitsRow ?? 0))
    .u32(a.broadcast ? 0 : 1);
  return {
    kernel,
    constants: { WG: wg, NC: SAMPLE_CHUNKS },
    // With one temperature for all, the (unread) temperature binding is the logits again: two
    // read-only bindings of one buffer are allowed, and no buffer has to be allocated for it.
    buffers: [a.logits, perRow ? (a.temperature as Binding) : a.logits, a.tokens, a.logprobs],
    params: params.words,
    workgroups: [a.B, 1, 1],
  };
}
