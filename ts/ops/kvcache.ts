// Host side of shaders/kvcache.wgsl: appending rows to a KV cache and one decode step of attention.
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import body from '../../shaders/kvcache.wgsl';
import { grid2d } from './grid.js';

const source = withDetMath(body);

const appendKernel: Kernel = { name: 'kvcache', source, entry: 'append' };
const decodeKernel: Kernel = { name: 'kvcache', source, entry: 'decode' };

export interface AppendArgs {
  /** [B*R, width] new rows (R per sequence). */
  rows: Binding;
  /** [B] u32 first position of each sequence's rows. */
  pos: Binding;
  /** [B, L, width] cache. */
  cache: Binding;
  B: number;
  R: number;
  L: number;
  width: number;
}

export function kvAppend(a: AppendArgs): Dispatch {
  if (a.width % 4) throw new Error(`kvAppend: width ${a.width} must be a multiple of 4`);
  const n = a.B * a.R * (a.width / 4);
  return {
    kernel: appendKernel,
    buffers: [a.rows, a.pos, a.cache],
    params: new Params(4)
      .u32(a.B)
      .u32(a.R)
      .u32(a.L)
      .u32(a.width / 4).words,
    workgroups: grid2d(Math.ceil(n / 64)),
  };
}

export interface DecodeArgs {
  /** [B, H*hd] one query row per sequence (RoPE applied). */
  q: Binding;
  /** [B, L, KVH*hd] caches (RoPE applied to keys). */
  kCache: Binding;
  vCache: Binding;
  /** [B] u32 valid cached positions per sequence, the new one included. */
  lens: Binding;
  /** [B, H*hd] */
  o: Binding;
  B: number;
  H: number;
  KVH: number;
  hd: number;
  L: number;
}

export function kvDecodeAttention(a: DecodeArgs): Dispatch {
  if (a.hd % 4 || a.hd > 128)
    throw new Error(`kvDecodeAttention: head dimension ${a.hd} must be a multiple of 4, at most 128`);
  if (a.H % a.KVH) throw new Error(`kvDecodeAttention: H=${a.H} must be a multiple of KVH=${a.KVH}`);
  if (a.B * a.H > 65535 * 64) throw new Error(`kvDecodeAttention: B*H=${a.B * a.H} too large for one dispatch`);
  return {
    kernel: decodeKernel,
    buffers: [a.q, a.kCache, a.vCache, a.lens, a.o],
    params: new Params(6)
      .u32(a.B)
      .u32(a.H)
      .u32(a.KVH)
      .u32(a.hd)
      .u32(a.L)
      .f32(1 / Math.sqrt(a.hd)).words,
    workgroups: [Math.ceil((a.B * a.H) / 64), 1, 1],
  };
}
