// The matmul family: C = A·B, A [M, K], B [K, N], C [M, N] row-major (the engine's kernel also
// transposes and batches; the variants here compete on the plain product).
import { Params, type Dispatch, type Kernel } from '../../../ts/gpu/index.js';
import { matmul, matmulUsesVec4 } from '../../../ts/ops/matmul.js';
import { TILES, type TiledVariant } from '../../../ts/ops/matmul_tiled.js';
import { refMatmul } from '../../../ts/ref/matmul.js';
import { randomArray } from '../../../test/util/random.js';
import { parseDims, type Expected, type Family, type Variant } from '../family.js';
import naive from './00-naive.wgsl';
import workgroupTiles from './02-workgroup-tiles.wgsl';
import registerTile8x8 from './03-register-tile-8x8.wgsl';
import engineSource from '../../../shaders/matmul.wgsl';

export interface MatmulSize {
  M: number;
  N: number;
  K: number;
}

const U = 2 ** -24; // f32 unit roundoff
/** Rows of C compared with the reference at most (first, last, and evenly spread between). */
const CHECKED_ROWS = 64;

/** A variant with one WGSL entry `main` on A, B, C and Params {M, N, K}; `tile` = columns x rows of C per workgroup. */
function plain(id: string, name: string, source: string, tile: [number, number]): Variant<MatmulSize> {
  const kernel: Kernel = { name: `matmul-${id}`, source, entry: 'main' };
  return {
    id,
    name,
    dispatch: (s, [a, b], [c]): Dispatch[] => [
      {
        kernel,
        buffers: [a, b, c],
        params: new Params(4).u32(s.M).u32(s.N).u32(s.K).pad().words,
        workgroups: [Math.ceil(s.N / tile[0]), Math.ceil(s.M / tile[1])],
      },
    ],
  };
}

const engine: Variant<MatmulSize> = {
  id: '01',
  name: 'engine (shaders/matmul.wgsl; vec4 when K, N % 4 = 0)',
  dispatch: (s, [a, b], [c]) => [matmul({ a, b, c, ...s })],
};

// The engine's shader with one more entry point; its host code packs the params.
const kernel8x8: Kernel = { name: 'matmul-03', source: `${engineSource}\n${registerTile8x8}`, entry: 'main_8x8' };
const tile8x8: Variant<MatmulSize> = {
  id: '03',
  name: 'register tile 8x8 (01 with 8 rows per invocation)',
  refuses: (s) => (matmulUsesVec4(s) ? undefined : 'K and N must be multiples of 4'),
  // 8 x 8 invocations (WG_X, WG_Y) of 8 x 8 outputs each.
  dispatch: (s, [a, b], [c]) => [
    { ...matmul({ a, b, c, ...s }), kernel: kernel8x8, workgroups: [Math.ceil(s.N / 64), Math.ceil(s.M / 64)] },
  ],
};

/** The engine's block-tile variant `name` (shaders/matmul_tiled.wgsl), as ENGINE_MATMUL=name runs it. */
function engineTile(id: string, name: TiledVariant): Variant<MatmulSize> {
  const t = TILES[name];
  return {
    id,
    name: `engine ${name} (${t.BM}x${t.BN} tiles, k ${t.BK}, ${t.TM}x${t.TN} per invocation)`,
    // Bit-identical to 01 there; compiling it again here would cost 5-20 s per tile on SwiftShader.
    checkedIn: 'test/gpu/matmul-variants.test.ts',
    dispatch: (s, [a, b], [c]) => [matmul({ a, b, c, ...s, variant: name })],
  };
}

function checkedRows(M: number): number[] {
  if (M <= CHECKED_ROWS) return Array.from({ length: M }, (_, i) => i);
  return [...new Set(Array.from({ length: CHECKED_ROWS }, (_, i) => Math.round((i * (M - 1)) / (CHECKED_ROWS - 1))))];
}

export const matmulFamily: Family<MatmulSize> = {
  name: 'matmul',
  shapeSyntax: 'MxNxK',
  parseShape(text) {
    const [M, N, K] = parseDims('matmul', 'MxNxK', text, '512x512x512');
    return { M, N, K };
  },
  formatShape: (s) => `${s.M}x${s.N}x${s.K}`,
  defaultShape: { M: 512, N: 512, K: 512 },
  // Multiples of 4 (01's vec4 entry) and not (its scalar entry); none a multiple of 01's or 02's tile.
  testShapes: [
    { M: 37, N: 44, K: 52 },
    { M: 70, N: 132, K: 36 },
    { M: 33, N: 45, K: 17 },
  ],
  work: (s) => ({ flops: 2 * s.M * s.N * s.K }),
  inputs: (s, rand) => [randomArray(s.M * s.K, rand), randomArray(s.K * s.N, rand)],
  outputLengths: (s) => [s.M * s.N],
  expected(s, [a, b]): Expected[] {
    // The checked rows of A as a smaller product, so a large shape's check stays quick.
    const rows = checkedRows(s.M);
    const ra = new Float32Array(rows.length * s.K);
    rows.forEach((m, r) => ra.set(a.subarray(m * s.K, (m + 1) * s.K), r * s.K));
    const shape = { M: rows.length, N: s.N, K: s.K };
    const want = refMatmul({ ...shape, a: ra, b });
    // Deterministic f32 summation bound: |fl(Σ a_k b_k) - Σ a_k b_k| <= γ_K Σ|a_k b_k|, γ_K ≈ K·u; twice that.
    const abs = refMatmul({ ...shape, a: ra.map(Math.abs), b: b.map(Math.abs) });
    const tol = abs.map((v) => 2 * (s.K + 2) * U * v + 1e-30);
    const index = Uint32Array.from(rows.flatMap((m) => Array.from({ length: s.N }, (_, n) => m * s.N + n)));
    return [{ name: 'C', index, want, tol }];
  },
  variants: [
    plain('00', 'naive (one output per invocation)', naive, [8, 8]),
    engine,
    plain('02', 'workgroup tiles (64x64, k 16, 4x4 per invocation)', workgroupTiles, [64, 64]),
    tile8x8,
    engineTile('04', 'tiled32'),
    engineTile('05', 'tiled64'),
    engineTile('06', 'tiled128'),
  ],
};
