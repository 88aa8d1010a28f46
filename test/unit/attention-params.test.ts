// The attention kernels' uniform block (ts/ops/attention_params.ts) against the `Params` structs it
// feeds: each field of shaders/attention.wgsl's and shaders/attention_tiled_common.wgsl's struct, in
// declaration order, holds the value of its name.
import { describe, expect, it } from 'vitest';
import lavapipe from '../../shaders/attention.wgsl';
import tiledCommon from '../../shaders/attention_tiled_common.wgsl';
import { attentionParams } from '../../ts/ops/attention_params.js';

/** Field names of `struct Params` in `wgsl`, in order (comments dropped). */
function paramsFields(wgsl: string): string[] {
  const body = /struct Params\s*{([^}]*)}/.exec(wgsl.replace(/\/\/.*$/gm, ''))![1];
  return [...body.matchAll(/(\w+)\s*:\s*\w+/g)].map((m) => m[1]);
}

const shape = { B: 3, S: 45, H: 6, KVH: 2, hd: 64 };
const f32Bits = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0];
const want: Record<string, number> = {
  B: 3,
  S: 45,
  H: 6,
  KVH: 2,
  blocks: 7,
  scale: f32Bits(1 / 8),
  hd4: 16,
  r: 2,
  _pad: 0,
};

describe('attention params', () => {
  for (const [file, wgsl, words] of [
    ['attention.wgsl', lavapipe, attentionParams(shape, 7)],
    ['attention_tiled_common.wgsl', tiledCommon, attentionParams(shape, 7, 2)],
  ] as const) {
    it(`pack ${file}'s struct Params field by field`, () => {
      const fields = paramsFields(wgsl);
      expect(fields.length).toBeGreaterThan(5);
      expect(Object.fromEntries(fields.map((f, i) => [f, words[i]]))).toEqual(
        Object.fromEntries(fields.map((f) => [f, want[f]])),
      );
      expect(words.slice(fields.length).every((w) => w === 0)).toBe(true); // the rest: zero padding
    });
  }
});
