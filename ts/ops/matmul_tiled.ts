// Host side of shaders/matmul_tiled.wgsl: the block-tile shapes the engine offers for discrete GPUs,
// what each needs from the adapter, and their dispatches. Every tile gives the same bits as the
// lavapipe kernel (shaders/matmul.wgsl) on the same adapter: see the shader's header.
import type { Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import body from '../../shaders/matmul_tiled.wgsl';

/** A block tile: BM x BN outputs per workgroup, TM x TN per invocation (multiples of 4: vec4 reads), BK steps of k per stage. */
export interface Tile {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
}

/** The tiled variants by name (ENGINE_MATMUL's values besides 'lavapipe'). */
export const TILES = {
  tiled32: { BM: 32, BN: 32, BK: 16, TM: 4, TN: 4 },
  tiled64: { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 },
  tiled128: { BM: 128, BN: 128, BK: 8, TM: 8, TN: 8 },
} as const satisfies Record<string, Tile>;

export type TiledVariant = keyof typeof TILES;

export const invocations = (t: Tile) => (t.BM / t.TM) * (t.BN / t.TN);
/** Bytes of workgroup memory: two buffers of A's and B's blocks, f32. */
export const workgroupBytes = (t: Tile) => 2 * t.BK * (t.BM + t.BN) * 4;

/** Why the adapter cannot run `t` (a limit it lacks), or undefined when it can. */
export function tileRefusal(t: Tile, limits: GPUSupportedLimits): string | undefined {
  const wx = t.BN / t.TN,
    wy = t.BM / t.TM;
  if (workgroupBytes(t) > limits.maxComputeWorkgroupStorageSize)
    return `needs ${workgroupBytes(t)} bytes of workgroup memory (maxComputeWorkgroupStorageSize ${limits.maxComputeWorkgroupStorageSize})`;
  if (invocations(t) > limits.maxComputeInvocationsPerWorkgroup)
    return `needs ${invocations(t)} invocations per workgroup (maxComputeInvocationsPerWorkgroup ${limits.maxComputeInvocationsPerWorkgroup})`;
  if (wx > limits.maxComputeWorkgroupSizeX || wy > limits.maxComputeWorkgroupSizeY)
    return `needs a ${wx}x${wy} workgroup (maxComputeWorkgroupSize ${limits.maxComputeWorkgroupSizeX}x${limits.maxComputeWorkgroupSizeY})`;
  return undefined;
}

const kernels = new Map<string, Kernel>();

/**
 * The shader specialised to a tile (constants in the source: WGSL sizes private arrays only with
 * consts) and to A's and B's element type.
 */
function kernel(name: TiledVariant, f16: boolean): Kernel {
  const key = `${name}/${f16}`;
  let k = kernels.get(key);
  if (!k) {
    const t: Tile = TILES[name];
    const threads = invocations(t);
    const header =
      (f16 ? 'enable f16;\nalias IN = f16;\n' : 'alias IN = f32;\n') +
      `const BM = ${t.BM}u; const BN = ${t.BN}u; const BK = ${t.BK}u; const TM = ${t.TM}u; const TN = ${t.TN}u;\n` +
      `const LA = ${(t.BM * t.BK) / threads}u; const LB = ${(t.BN * t.BK) / threads}u;\n`;
    k = { name: 'matmul_tiled', source: header + body, entry: 'main' };
    kernels.set(key, k);
  }
  return k;
}

/** The dispatch of a product on tile `name`; `params` as ts/ops/matmul.ts packs them. */
export function tiledDispatch(
  name: TiledVariant,
  x: { M: number; N: number; batch?: number; f16?: boolean },
  rest: Pick<Dispatch, 'buffers' | 'params'>,
): Dispatch {
  const t = TILES[name];
  const workgroups: Dispatch['workgroups'] = [Math.ceil(x.N / t.BN), Math.ceil(x.M / t.BM), x.batch ?? 1];
  return { kernel: kernel(name, !!x.f16), ...rest, workgroups };
}
