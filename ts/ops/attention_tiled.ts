// Host side of shaders/attention_tiled.wgsl: the workgroup-memory attention forwards the engine
// offers for discrete GPUs, what each needs from the adapter, and their dispatches. Each gives the
// same bits as the lavapipe forward (shaders/attention.wgsl) on the same adapter: see the shader.
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import body from '../../shaders/attention_tiled.wgsl';
import { grid2d } from './grid.js';

/**
 * WG invocations of R query positions (1 or 2: see the shader) per workgroup; TV vec4s of k and of v
 * staged per tile (TV / (hd / 4) keys, rounded down to a multiple of 4).
 */
export interface AttentionTile {
  WG: number;
  R: 1 | 2;
  TV: number;
}

/** The tiled forwards by name (ENGINE_ATTENTION's values besides 'lavapipe'). */
// 16 KiB of workgroup memory each (WebGPU's default limit): 32 keys per tile at hd 64. The same WG
// and TV, so CPU adapters run both on one pipeline (see tiledAttentionForward).
export const ATTENTION_TILES = {
  tiled64: { WG: 64, R: 1, TV: 512 },
  tiled128: { WG: 64, R: 2, TV: 512 },
} as const satisfies Record<string, AttentionTile>;

export type TiledAttention = keyof typeof ATTENTION_TILES;

/** Bytes of workgroup memory: a tile of k and one of v. */
export const attentionTileBytes = (t: AttentionTile) => 2 * t.TV * 16;

/** Why the adapter cannot run `t` (a limit it lacks), or undefined when it can. */
export function attentionTileRefusal(t: AttentionTile, limits: GPUSupportedLimits): string | undefined {
  const bytes = attentionTileBytes(t);
  if (bytes > limits.maxComputeWorkgroupStorageSize)
    return `needs ${bytes} bytes of workgroup memory (maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize})`;
  if (t.WG > limits.maxComputeInvocationsPerWorkgroup || t.WG > limits.maxComputeWorkgroupSizeX)
    return `needs ${t.WG} invocations per workgroup (maxComputeInvocationsPerWorkgroup ${limits.maxComputeInvocationsPerWorkgroup})`;
  return undefined;
}

const kernels = new Map<string, Kernel>();

/** The shader specialised to a tile's WG and TV (consts: WGSL sizes workgroup arrays with them). */
function kernel(t: AttentionTile): Kernel {
  const header = `const WG = ${t.WG}u; const TV = ${t.TV}u;\n`;
  let k = kernels.get(header);
  if (!k) {
    k = { name: 'attention_tiled', source: withDetMath(header + body), entry: 'forward' };
    kernels.set(header, k);
  }
  return k;
}

/**
 * The forward on tile `name` (the shape already checked by ts/ops/attention.ts); `unroll`: R and the
 * head dimension as pipeline constants, so a GPU's compiler can unroll its loops (a pipeline per tile
 * and head dimension), else uniforms (one pipeline for both tiles and every head dimension: a CPU
 * adapter compiles it in seconds). The same arithmetic either way.
 */
export function tiledAttentionForward(
  name: TiledAttention,
  x: { B: number; S: number; H: number; KVH: number; hd: number },
  buffers: Binding[],
  unroll: boolean,
): Dispatch {
  const t = ATTENTION_TILES[name];
  const blocks = Math.ceil(x.S / (t.WG * t.R));
  return {
    kernel: kernel(t),
    constants: unroll ? { HD4: x.hd / 4, RC: t.R } : { HD4: 0, RC: 0 },
    buffers,
    params: new Params(8)
      .u32(x.B)
      .u32(x.S)
      .u32(x.H)
      .u32(x.KVH)
      .u32(blocks)
      .f32(1 / Math.sqrt(x.hd))
      .u32(x.hd / 4)
      .u32(t.R).words,
    workgroups: grid2d(x.B * x.H * blocks),
  };
}
