// Host side of shaders/attention_tiled.wgsl and attention_tiled_bwd.wgsl (each after
// attention_tiled_common.wgsl): the workgroup-memory attention forwards and backwards the engine
// offers for discrete GPUs, what each needs from the adapter, and their dispatches. Each gives the
// same bits as the lavapipe kernels (shaders/attention.wgsl) on the same adapter: see the shaders.
import type { Binding, Dispatch } from '../gpu/device.js';
import { type Kernel, withDetMath } from '../gpu/kernel.js';
import body from '../../shaders/attention_tiled.wgsl';
import common from '../../shaders/attention_tiled_common.wgsl';
import backwardBody from '../../shaders/attention_tiled_bwd.wgsl';
import type { AttentionShape } from './attention.js'; // a type only: no import cycle at run time
import { attentionParams } from './attention_params.js';
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

/** The tiled forwards and backwards by name (ENGINE_ATTENTION's values besides 'lavapipe'). */
// 16 KiB of workgroup memory each (WebGPU's default limit): 32 keys per forward tile at hd 64 (28
// queries per backward_kv tile, which stages lse and D too). The same WG and TV, so CPU adapters run
// both on one pipeline per entry point (see tiledDispatch).
export const ATTENTION_TILES = {
  tiled64: { WG: 64, R: 1, TV: 512 },
  tiled128: { WG: 64, R: 2, TV: 512 },
} as const satisfies Record<string, AttentionTile>;

export type TiledAttention = keyof typeof ATTENTION_TILES;

/** Bytes of workgroup memory: a tile of k and one of v (backward_kv: q, dO, lse and D in as many). */
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

/**
 * An entry point of the forward or backward shader specialised to a tile's WG and TV (consts: WGSL
 * sizes workgroup arrays with them).
 */
function kernel(t: AttentionTile, entry: 'forward' | 'backward_query' | 'backward_kv'): Kernel {
  const header = `const WG = ${t.WG}u; const TV = ${t.TV}u;\n`;
  const name = entry === 'forward' ? 'attention_tiled' : 'attention_tiled_bwd';
  const key = header + entry;
  let k = kernels.get(key);
  if (!k) {
    k = { name, source: withDetMath(header + common + (entry === 'forward' ? body : backwardBody)), entry };
    kernels.set(key, k);
  }
  return k;
}

/**
 * One entry point's dispatch: an invocation per (R positions, head), `heads` of them; `unroll`: R and
 * the head dimension as pipeline constants, so a GPU's compiler can unroll its loops (a pipeline per
 * tile and head dimension), else uniforms (one pipeline for both tiles and every head dimension: a CPU
 * adapter compiles it in seconds). The same arithmetic either way.
 */
function tiledDispatch(
  k: Kernel,
  t: AttentionTile,
  x: AttentionShape,
  heads: number,
  buffers: Binding[],
  unroll: boolean,
): Dispatch {
  const blocks = Math.ceil(x.S / (t.WG * t.R));
  return {
    kernel: k,
    constants: unroll ? { HD4: x.hd / 4, RC: t.R } : { HD4: 0, RC: 0 },
    buffers,
    params: attentionParams(x, blocks, t.R),
    workgroups: grid2d(x.B * heads * blocks),
  };
}

/** The forward on tile `name` (the shape already checked by ts/ops/attention.ts). */
export function tiledAttentionForward(
  name: TiledAttention,
  x: AttentionShape,
  buffers: Binding[],
  unroll: boolean,
): Dispatch {
  const t = ATTENTION_TILES[name];
  return tiledDispatch(kernel(t, 'forward'), t, x, x.H, buffers, unroll);
}

/**
 * The backward on tile `name`, as ts/ops/attention.ts's: dq and D (the buffers of backward_query),
 * then dk and dv (those of backward_kv).
 */
export function tiledAttentionBackward(
  name: TiledAttention,
  x: AttentionShape,
  query: Binding[],
  kv: Binding[],
  unroll: boolean,
): Dispatch[] {
  const t = ATTENTION_TILES[name];
  return [
    tiledDispatch(kernel(t, 'backward_query'), t, x, x.H, query, unroll),
    tiledDispatch(kernel(t, 'backward_kv'), t, x, x.KVH, kv, unroll),
  ];
}
