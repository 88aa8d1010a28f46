// The uniform block of the attention kernels, packed in one place: `Params` of shaders/attention.wgsl
// and of shaders/attention_tiled_common.wgsl declare the same fields in the same order, the tiled one
// with the tile's R before the padding word (test/unit/attention-params.test.ts reads both structs).
import { Params } from '../gpu/params.js';
import type { AttentionShape } from './attention.js'; // a type only: no import cycle at run time

/**
 * B, S, H, KVH, `blocks` (workgroups per sequence and head), scale = 1/sqrt(hd), hd/4, then the
 * tile's R when `tileRows` is given, then _pad = 0 (the backward's exp loops add it to their trip
 * count: a bound the compiler cannot know keeps them loops).
 */
export function attentionParams(x: AttentionShape, blocks: number, tileRows?: number): Uint32Array {
  const p = new Params(tileRows === undefined ? 8 : 12)
    .u32(x.B)
    .u32(x.S)
    .u32(x.H)
    .u32(x.KVH)
    .u32(blocks)
    .f32(1 / Math.sqrt(x.hd))
    .u32(x.hd / 4);
  return (tileRows === undefined ? p : p.u32(tileRows)).pad().words;
}
