// The max through subgroup operations (shaders/reduce_subgroup.wgsl) gives the same bits as the
// workgroup tree (shaders/reduce.wgsl) on this adapter (lavapipe: subgroups of 8, SwiftShader: 4),
// on rows full of ties, -0 and +0, NaN, infinities and subnormals, at sizes that are not multiples of
// the subgroup width; both equal the max in the order -inf < ... < -0 < +0 < ... < +inf < NaN. And
// the variant's selection (ts/ops/reduce_select.ts).
import { afterEach, describe, expect, it } from 'vitest';
import { CHUNK, reduceRows, setMaxVariant, type MaxVariant } from '../../ts/ops/reduce.js';
import { selectMaxReduce } from '../../ts/ops/reduce_select.js';
import { rng, testSeed } from '../util/random.js';
import { bitIdentical, poisoned, selectionGpu, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const NAN = 0x7fffffff; // the max of a row holding a NaN

// A pool of values that makes ties, signed zeros and specials common.
const SPECIALS = [0, -0, 1, -1, 2.5, -2.5, Infinity, -Infinity, 1e-45, -1e-45, 1.2e-38, -3.4028234663852886e38];
function tricky(n: number, nanRate: number): Float32Array {
  const x = new Float32Array(n);
  const bits = new Uint32Array(x.buffer);
  for (let i = 0; i < n; i++) {
    const r = rand();
    if (r < nanRate) bits[i] = (rand() < 0.5 ? 0xffc00000 : 0x7fc00001) >>> 0;
    else if (r < 0.6) x[i] = SPECIALS[Math.floor(rand() * SPECIALS.length)];
    else x[i] = Math.round((rand() * 2 - 1) * 8) / 4; // few distinct values: ties
  }
  return x;
}

/** Independent reference: any NaN gives NaN, else the largest value, +0 above -0. */
function refMax(x: Float32Array, rows: number, cols: number, n: number): Uint32Array {
  const out = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = -3.4028234663852886e38;
    let nan = false;
    for (let i = r * cols; i < Math.min((r + 1) * cols, n); i++) {
      if (Number.isNaN(x[i])) nan = true;
      else if (x[i] > m || (x[i] === 0 && m === 0 && !Object.is(x[i], -0))) m = x[i];
    }
    out[r] = m;
    if (nan) new Uint32Array(out.buffer)[r] = NAN;
  }
  return new Uint32Array(out.buffer);
}

afterEach(() => setMaxVariant('tree'));

describe(`max by subgroups (seed ${seed})`, () => {
  it('the adapter offers subgroups (lavapipe and SwiftShader do)', async () => {
    expect((await testGpu()).hasSubgroups).toBe(true);
  });

  const shapes: [rows: number, cols: number, n?: number, nanRate?: number][] = [
    [1, 1],
    [3, 5],
    [9, 7, 9 * 7 - 4],
    [300, 63, 300 * 63, 0.001],
    [7, 1000, 7 * 1000, 0.0003],
    [2, CHUNK + 3, 2 * CHUNK, 0],
    [64, 129, 64 * 129 - 100, 0.002],
  ];
  for (const [rows, cols, n = rows * cols, nanRate = 0] of shapes) {
    it(`tree and subgroup agree bit for bit: rows=${rows} cols=${cols} n=${n}`, async () => {
      const g = await testGpu();
      const x = tricky(rows * cols, nanRate);
      // Some rows of signed zeros alone, in both orders.
      for (let r = 0; r < rows; r += 3) for (let i = r * cols; i < (r + 1) * cols; i++) x[i] = i % 2 ? -0 : 0;
      for (let r = 1; r < rows; r += 5) for (let i = r * cols; i < (r + 1) * cols; i++) x[i] = -0;
      const bx = g.upload(x);
      const got: Record<MaxVariant, Float32Array> = { tree: new Float32Array(), subgroup: new Float32Array() };
      for (const v of ['tree', 'subgroup'] as MaxVariant[]) {
        const out = poisoned(g, rows);
        await g.run([reduceRows('max', bx, out, rows, cols, n, v)]);
        got[v] = await g.read(out, Float32Array);
      }
      const want = refMax(x, rows, cols, n);
      const hex = (a: Float32Array | Uint32Array) => [...new Uint32Array(a.buffer)].map((b) => b.toString(16));
      expect(hex(got.tree), `seed ${seed}: tree vs reference`).toEqual(hex(want));
      expect(bitIdentical(got.subgroup, got.tree), `seed ${seed}: subgroup vs tree`).toBe(true);
    });
  }
});

describe('max variant selection', () => {
  const kernelOf = () => reduceRows('max', null!, null!, 1, 1).kernel.name;

  it('a trial times both variants, picks the faster, caches it, and later maxes use it', async () => {
    const g = await selectionGpu({ reduce: 'trial' });
    const first = await selectMaxReduce(g, 8, 512);
    expect(first.how).toBe('trial');
    expect(Object.keys(first.trialMs!).sort()).toEqual(['subgroup', 'tree']);
    const fastest = first.trialMs!.subgroup! < first.trialMs!.tree! ? 'subgroup' : 'tree';
    expect(first.variant).toBe(fastest);
    expect(g.kernels.reduce).toBe(fastest);
    expect(kernelOf()).toBe(fastest === 'subgroup' ? 'reduce_subgroup' : 'reduce');
    expect(reduceRows('sum', null!, null!, 1, 1).kernel.name).toBe('reduce'); // sums keep the tree
    expect(await selectMaxReduce(g, 8, 512)).toEqual({ variant: fastest, how: 'cached' });
  });
  it('forces a variant, refuses an unknown one by name, and keeps the tree on CPU adapters and without subgroups', async () => {
    expect(await selectMaxReduce(await selectionGpu({ reduce: 'subgroup' }))).toEqual({
      variant: 'subgroup',
      how: 'forced',
    });
    expect(kernelOf()).toBe('reduce_subgroup');
    await expect(selectMaxReduce(await selectionGpu({ reduce: 'warp' }))).rejects.toThrow(
      /ENGINE_REDUCE 'warp' is no reduce variant; use trial or one of tree, subgroup/,
    );
    expect(await selectMaxReduce(await selectionGpu({}))).toEqual({ variant: 'tree', how: 'cpu-adapter' });
    expect(kernelOf()).toBe('reduce');
    const g = await selectionGpu({ reduce: 'trial' });
    // The shared device, seen without the feature for this call.
    const own = Object.getOwnPropertyDescriptor(g.device, 'features');
    Object.defineProperty(g.device, 'features', { value: new Set<string>(), configurable: true });
    try {
      const only = await selectMaxReduce(g);
      expect(only).toMatchObject({ variant: 'tree', how: 'trial' });
      expect(Object.keys(only.trialMs!)).toEqual(['tree']); // subgroup is not even timed
    } finally {
      if (own) Object.defineProperty(g.device, 'features', own);
      else delete (g.device as { features?: unknown }).features;
    }
    expect(g.hasSubgroups).toBe(true);
    expect(kernelOf()).toBe('reduce');
    const forced = Object.create(await selectionGpu({ reduce: 'subgroup' }), {
      device: { value: { features: new Set<string>() } },
    });
    await expect(selectMaxReduce(forced)).rejects.toThrow(
      /variant 'subgroup' does not fit .*: it needs the 'subgroups' feature/,
    );
  });
});
