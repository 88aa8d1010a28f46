// Host side of shaders/matmul.wgsl: picks the vec4 or scalar entry, packs params, sizes the grid,
// and derives the two gradient products of a forward product. The product runs on the variant in
// use (setMatmulVariant; chosen per adapter by ts/ops/matmul_select.ts): 'lavapipe', this file's
// register tiles, or a workgroup-memory block tile (ts/ops/matmul_tiled.ts), all bit-identical.
import type { Binding, Dispatch } from '../gpu/device.js';
import type { Kernel } from '../gpu/kernel.js';
import { Params } from '../gpu/params.js';
import source from '../../shaders/matmul.wgsl';
import { TILES, tiledDispatch, type TiledVariant } from './matmul_tiled.js';

const vec4: Kernel = { name: 'matmul', source, entry: 'main_vec4' };
const scalar: Kernel = { name: 'matmul', source, entry: 'main_scalar' };
const WG = 8;
const ROWS = 4; // rows per invocation in main_vec4
const COLS = 8; // columns per invocation in main_vec4

/** The kernels a product can run on: 'lavapipe' (shaders/matmul.wgsl) or a block tile. */
export type MatmulVariant = 'lavapipe' | TiledVariant;
export const MATMUL_VARIANTS: readonly MatmulVariant[] = ['lavapipe', ...(Object.keys(TILES) as TiledVariant[])];

// Process-wide: a process opens one device (the CLI, a worker, a test file).
let inUse: MatmulVariant = 'lavapipe';

/** Makes `v` the variant of every later product that names none. */
export function setMatmulVariant(v: MatmulVariant): void {
  if (!MATMUL_VARIANTS.includes(v)) {
    throw new Error(`unknown matmul variant '${v}'; use one of ${MATMUL_VARIANTS.join(', ')}`);
  }
  inUse = v;
}

export function matmulVariant(): MatmulVariant {
  return inUse;
}

/** Shape and options of a product; shared with the reference (ts/ref/matmul.ts). */
export interface MatmulShape {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  /** Number of products; element strides between them (0 broadcasts an operand). */
  batch?: number;
  strideA?: number;
  strideB?: number;
  strideC?: number;
  /** C = alpha * op(A)·op(B) + beta * C; beta = 1 accumulates (e.g. gradients over micro-batches). */
  alpha?: number;
  beta?: number;
}

export interface MatmulArgs extends MatmulShape {
  /** [M, K], or [K, M] when transA. */
  a: Binding;
  /** [K, N], or [N, K] when transB. */
  b: Binding;
  /** [M, N] output. */
  c: Binding;
  /** The kernel to use; default the one in use (setMatmulVariant). Gradients inherit it. */
  variant?: MatmulVariant;
  /**
   * A and B hold f16 (2 bytes per element; castF16 in ts/ops/cast.ts writes them), C f32, sums in
   * f32. Needs the device's shader-f16 (Gpu.hasF16); runs a block tile (tiled64 when the lavapipe
   * kernel is in use). Not inherited by matmulGrads, whose dC is f32.
   */
  f16?: boolean;
}

/** Whether the vec4 entry applies: every row it reads as vec4s must be 4-aligned. */
export function matmulUsesVec4(x: MatmulShape): boolean {
  const batch = x.batch ?? 1;
  const strides = batch === 1 || [x.strideA ?? 0, x.strideB ?? 0, x.strideC ?? 0].every((s) => s % 4 === 0);
  return x.K % 4 === 0 && x.N % 4 === 0 && (!x.transA || x.M % 4 === 0) && strides;
}

export function matmul(x: MatmulArgs): Dispatch {
  const batch = x.batch ?? 1;
  if (batch > 65535) throw new Error(`matmul: batch ${batch} exceeds 65535 dispatches in z`);
  if (!(x.M > 0 && x.N > 0 && x.K > 0))
    throw new Error(`matmul: sizes must be positive, got M=${x.M} N=${x.N} K=${x.K}`);
  // matmul.wgsl takes the layout as override constants; matmul_tiled.wgsl as the uniform's
  // transA/transB words, which matmul.wgsl leaves as padding.
  const params = new Params(10)
    .u32(x.M)
    .u32(x.N)
    .u32(x.K)
    .u32(+!!x.transA)
    .u32(x.strideA ?? 0)
    .u32(x.strideB ?? 0)
    .u32(x.strideC ?? 0)
    .u32(+!!x.transB)
    .f32(x.alpha ?? 1)
    .f32(x.beta ?? 0).words;
  const buffers = [x.a, x.b, x.c];
  const variant = x.variant ?? inUse;
  if (x.f16) return tiledDispatch(variant === 'lavapipe' ? 'tiled64' : variant, x, { buffers, params });
  if (variant !== 'lavapipe') return tiledDispatch(variant, x, { buffers, params });
  const constants = { TRANS_A: !!x.transA, TRANS_B: !!x.transB };
  if (matmulUsesVec4(x)) {
    const workgroups: Dispatch['workgroups'] = [Math.ceil(x.N / (WG * COLS)), Math.ceil(x.M / (WG * ROWS)), batch];
    return { kernel: vec4, constants, buffers, params, workgroups };
  }
  return { kernel: scalar, constants, buffers, params, workgroups: [Math.ceil(x.N / WG), Math.ceil(x.M / WG), batch] };
}

/**
 * The products that give dA and dB from dC for the forward product `fwd` (written into `da`, `db`;
 * with `accumulate` they are added to what those buffers hold).
 */
export function matmulGrads(
  fwd: MatmulArgs,
  dc: Binding,
  out: { da?: Binding; db?: Binding; accumulate?: boolean },
): Dispatch[] {
  const { M, N, K } = fwd;
  const batch = fwd.batch ?? 1;
  if (batch > 1 && (fwd.strideA === 0 || fwd.strideB === 0)) {
    throw new Error(
      'matmulGrads: a broadcast operand (stride 0) needs its gradient summed over the batch; fold the batch into M instead',
    );
  }
  const tA = !!fwd.transA;
  const tB = !!fwd.transB;
  const beta = out.accumulate ? 1 : 0;
  const sA = fwd.strideA ?? 0,
    sB = fwd.strideB ?? 0,
    sC = fwd.strideC ?? 0;
  const common = { batch, beta, alpha: fwd.alpha ?? 1, variant: fwd.variant };
  const list: Dispatch[] = [];
  if (out.da) {
    // op(A) grad = dC · op(B)ᵀ; stored A = that, or its transpose when transA.
    list.push(
      tA
        ? matmul({
            a: fwd.b,
            b: dc,
            c: out.da,
            M: K,
            N: M,
            K: N,
            transA: tB,
            transB: true,
            strideA: sB,
            strideB: sC,
            strideC: sA,
            ...common,
          })
        : matmul({
            a: dc,
            b: fwd.b,
            c: out.da,
            M,
            N: K,
            K: N,
            transB: !tB,
            strideA: sC,
            strideB: sB,
            strideC: sA,
            ...common,
          }),
    );
  }
  if (out.db) {
    // op(B) grad = op(A)ᵀ · dC; stored B = that, or its transpose when transB.
    list.push(
      tB
        ? matmul({
            a: dc,
            b: fwd.a,
            c: out.db,
            M: N,
            N: K,
            K: M,
            transA: true,
            transB: tA,
            strideA: sC,
            strideB: sA,
            strideC: sB,
            ...common,
          })
        : matmul({
            a: fwd.a,
            b: dc,
            c: out.db,
            M: K,
            N,
            K: M,
            transA: !tA,
            strideA: sA,
            strideB: sC,
            strideC: sB,
            ...common,
          }),
    );
  }
  return list;
}
