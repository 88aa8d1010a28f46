// Host side of shaders/embedding.wgsl: row gather by token id, and its backward as a fixed-order
// sum over the tokens of each id (grouped on the host, which knows the ids).
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/embedding.wgsl';
import { grid2d } from './grid.js';

const forwardKernel: Kernel = { name: 'embedding', source, entry: 'forward' };
const backwardKernel: Kernel = { name: 'embedding', source, entry: 'backward' };
const WG = 64;

/** Token positions grouped by id (CSR): the tokens of id v are positions[offsets[v] .. offsets[v+1]), ascending. */
export interface TokenGroups {
  /** [V + 1] */
  offsets: Uint32Array;
  /** [T] */
  positions: Uint32Array;
}

/** Groups token positions by id (a stable counting sort); every id must be an integer in [0, V). */
export function groupTokensById(ids: ArrayLike<number>, V: number): TokenGroups {
  const offsets = new Uint32Array(V + 1);
  for (let t = 0; t < ids.length; t++) {
    const id = ids[t];
    if (!(Number.isInteger(id) && id >= 0 && id < V))
      throw new Error(`groupTokensById: token ${t} has id ${id}, outside [0, ${V})`);
    offsets[id + 1]++;
  }
  for (let v = 0; v < V; v++) offsets[v + 1] += offsets[v];
  const next = offsets.slice(0, V);
  const positions = new Uint32Array(ids.length);
  for (let t = 0; t < ids.length; t++) positions[next[ids[t]]++] = t;
  return { offsets, positions };
}

function check(op: string, T: number, V: number, D: number): void {
  if (!(T > 0 && V > 0 && D > 0)) throw new Error(`${op}: sizes must be positive, got T=${T} V=${V} D=${D}`);
  if (D % 4) throw new Error(`${op}: D=${D} must be a multiple of 4 (rows are read as vec4s)`);
}

function params(rows: number, V: number, D: number, accumulate: boolean): Uint32Array {
  return new Params(4)
    .u32(rows)
    .u32(V)
    .u32(D / 4)
    .u32(accumulate ? 1 : 0).words;
}

export interface EmbeddingArgs {
  /** [T] u32 token ids. */
  ids: Binding;
  /** [V, D] embedding table. */
  table: Binding;
  /** [T, D] output; a row is NaN where the id is >= V. */
  out: Binding;
  T: number;
  V: number;
  D: number;
}

/** out[t, :] = table[ids[t], :]. */
export function embedding(a: EmbeddingArgs): Dispatch {
  check('embedding', a.T, a.V, a.D);
  return {
    kernel: forwardKernel,
    buffers: [a.ids, a.table, a.out],
    params: params(a.T, a.V, a.D, false),
    workgroups: grid2d(Math.ceil(a.T / WG)),
  };
}

export interface EmbeddingBackwardArgs {
  /** TokenGroups.offsets uploaded as u32, [V + 1]. */
  offsets: Binding;
  /** TokenGroups.positions uploaded as u32, [T]. */
  positions: Binding;
  /** [T, D] gradient of the output. */
  dOut: Binding;
  /** [V, D] gradient of the table: written, or added to with `accumulate` (e.g. onto a tied LM head's gradient). */
  dTable: Binding;
  T: number;
  V: number;
  D: number;
  accumulate?: boolean;
}

/** dTable[v, :] (+)= Σ dOut[t, :] over the tokens of id v, in ascending t. */
export function embeddingBackward(a: EmbeddingBackwardArgs): Dispatch {
  check('embeddingBackward', a.T, a.V, a.D);
  return {
    kernel: backwardKernel,
    buffers: [a.offsets, a.positions, a.dOut, a.dTable],
    params: params(a.V, a.V, a.D, !!a.accumulate),
    workgroups: grid2d(Math.ceil((a.V * a.D) / 4 / WG)),
  };
}
