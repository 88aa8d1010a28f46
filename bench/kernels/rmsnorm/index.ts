// The rmsnorm family: RMSNorm's forward over rows, y = x * rstd * w with rstd = 1 / sqrt(mean(x²) + eps)
// (Qwen2's eps), x and y [T, D], w [D]; rstd [T] is an output too (the backward reads it).
import { Params, type Kernel } from '../../../ts/gpu/index.js';
import { grid2d } from '../../../ts/ops/grid.js';
import { RMSNORM_EPS, rmsnorm } from '../../../ts/ops/rmsnorm.js';
import { refRmsNorm } from '../../../ts/ref/rmsnorm.js';
import { randomArray } from '../../../test/util/random.js';
import { parseDims, type Family, type Variant } from '../family.js';
import naive from './00-naive.wgsl';
import workgroupPerRow from './02-workgroup-per-row.wgsl';

export interface RmsNormSize {
  T: number;
  D: number;
}

const U = 2 ** -24; // f32 unit roundoff
const vec4Rows = (s: RmsNormSize) => (s.D % 4 ? 'D must be a multiple of 4 (rows are read as vec4s)' : undefined);

/** A variant with one WGSL entry `main` on x, w, y, rstd and Params {T, D or D/4, eps}. */
function plain(
  id: string,
  name: string,
  source: string,
  o: { rowsPerGroup: number; vec4: boolean },
): Variant<RmsNormSize> {
  const kernel: Kernel = { name: `rmsnorm-${id}`, source, entry: 'main' };
  return {
    id,
    name,
    refuses: o.vec4 ? vec4Rows : undefined,
    dispatch: (s, [x, w], [y, rstd]) => [
      {
        kernel,
        buffers: [x, w, y, rstd],
        params: new Params(4)
          .u32(s.T)
          .u32(o.vec4 ? s.D / 4 : s.D)
          .f32(RMSNORM_EPS)
          .pad().words,
        workgroups: grid2d(Math.ceil(s.T / o.rowsPerGroup)),
      },
    ],
  };
}

export const rmsnormFamily: Family<RmsNormSize> = {
  name: 'rmsnorm',
  shapeSyntax: 'TxD',
  parseShape(text) {
    const [T, D] = parseDims('rmsnorm', 'TxD', text, '8192x768');
    return { T, D };
  },
  formatShape: (s) => `${s.T}x${s.D}`,
  // The paper model's hidden size over a 4 x 2048 batch.
  defaultShape: { T: 8192, D: 768 },
  testShapes: [
    { T: 37, D: 52 },
    { T: 130, D: 768 },
    { T: 67, D: 21 },
  ],
  // Read x and w, write y and rstd.
  work: (s) => ({ bytes: 4 * (2 * s.T * s.D + s.D + s.T) }),
  inputs(s, rand) {
    // Rows of very different scale (1e-3 .. 10), so eps matters for some of them.
    const x = randomArray(s.T * s.D, rand);
    for (let t = 0; t < s.T; t++) {
      const scale = 10 ** (-3 + 4 * rand());
      for (let d = 0; d < s.D; d++) x[t * s.D + d] *= scale;
    }
    return [x, randomArray(s.D, rand, 0.5, 1.5)];
  },
  outputLengths: (s) => [s.T * s.D, s.T],
  expected(s, [x, w]) {
    const want = refRmsNorm(x, w, s.T, s.D, RMSNORM_EPS);
    // A sum of D squares in any order (relative error <= D·u), halved by the square root, plus a few
    // ulps for the division and root; y adds two roundings.
    const rho = (s.D / 2 + 8) * U;
    const all = (n: number) => Uint32Array.from({ length: n }, (_, i) => i);
    return [
      { name: 'y', index: all(s.T * s.D), want: want.y, tol: want.y.map((v) => (rho + 3 * U) * Math.abs(v) + 1e-30) },
      { name: 'rstd', index: all(s.T), want: want.rstd, tol: want.rstd.map((v) => rho * v) },
    ];
  },
  variants: [
    plain('00', 'naive (one invocation per row, scalar)', naive, { rowsPerGroup: 64, vec4: false }),
    {
      id: '01',
      name: 'engine (shaders/rmsnorm.wgsl)',
      refuses: vec4Rows,
      dispatch: (s, [x, weight], [y, rstd]) => [rmsnorm({ x, weight, y, rstd, T: s.T, D: s.D })],
    },
    plain('02', 'workgroup per row (64 invocations, tree sum)', workgroupPerRow, { rowsPerGroup: 1, vec4: true }),
  ],
};
