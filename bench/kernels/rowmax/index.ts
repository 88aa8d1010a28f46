// The rowmax family: out[r] = max over row r of x [R, C], the exact reduction that may use subgroup
// operations (shaders/reduce_subgroup.wgsl) and still give the tree's bits.
import { Params, type Kernel } from '../../../ts/gpu/index.js';
import { grid2d } from '../../../ts/ops/grid.js';
import { reduceRows, type MaxVariant } from '../../../ts/ops/reduce.js';
import { refReduceRows } from '../../../ts/ref/reduce.js';
import { randomArray } from '../../../test/util/random.js';
import { parseDims, type Family, type Variant } from '../family.js';
import naive from './00-naive.wgsl';

export interface RowMaxSize {
  R: number;
  C: number;
}

const naiveKernel: Kernel = { name: 'rowmax-00', source: naive, entry: 'main' };

function engine(id: string, variant: MaxVariant, name: string): Variant<RowMaxSize> {
  return {
    id,
    name,
    checkedIn: variant === 'subgroup' ? 'test/gpu/reduce-subgroup.test.ts' : undefined,
    dispatch: (s, [x], [out]) => [reduceRows('max', x, out, s.R, s.C, s.R * s.C, variant)],
  };
}

export const rowmaxFamily: Family<RowMaxSize> = {
  name: 'rowmax',
  shapeSyntax: 'RxC',
  parseShape(text) {
    const [R, C] = parseDims('rowmax', 'RxC', text, '2048x4096');
    return { R, C };
  },
  formatShape: (s) => `${s.R}x${s.C}`,
  // A 2048-token chunk's rows over a 4096-wide vocabulary.
  defaultShape: { R: 2048, C: 4096 },
  testShapes: [
    { R: 37, C: 61 },
    { R: 5, C: 1000 },
    { R: 130, C: 3 },
  ],
  // Read x, write out.
  work: (s) => ({ bytes: 4 * (s.R * s.C + s.R) }),
  inputs: (s, rand) => [randomArray(s.R * s.C, rand, -3, 3)],
  outputLengths: (s) => [s.R],
  expected(s, [x]) {
    const want = refReduceRows('max', x, s.R, s.C);
    // A max is exact.
    return [{ name: 'out', index: Uint32Array.from({ length: s.R }, (_, i) => i), want, tol: want.map(() => 1e-30) }];
  },
  variants: [
    {
      id: '00',
      name: 'naive (one invocation per row)',
      dispatch: (s, [x], [out]) => [
        {
          kernel: naiveKernel,
          buffers: [x, out],
          params: new Params(4).u32(s.R).u32(s.C).pad().pad().words,
          workgroups: grid2d(Math.ceil(s.R / 64)),
        },
      ],
    },
    engine('01', 'tree', 'engine, workgroup tree (shaders/reduce.wgsl)'),
    engine('02', 'subgroup', 'engine, subgroupMax (shaders/reduce_subgroup.wgsl)'),
  ],
};
