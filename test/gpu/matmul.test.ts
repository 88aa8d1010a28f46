import { describe, expect, it } from 'vitest';
import { matmul, matmulGrads, matmulUsesVec4, type MatmulArgs } from '../../ts/ops/matmul.js';
import { refMatmul } from '../../ts/ref/matmul.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff

// Deterministic f32 summation bound: |fl(Σ a_k b_k) - Σ a_k b_k| <= γ_K Σ|a_k b_k|, γ_K ≈ K·u.
// Twice that plus a tiny floor covers the alpha/beta epilogue.
function tolerance(absRef: Float64Array, K: number, extra: Float64Array | undefined) {
  return (i: number) => 2 * (K + 2) * U * absRef[i] + (extra ? 2 * U * extra[i] : 0) + 1e-30;
}

type Case = {
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  batch?: number;
  alpha?: number;
  beta?: number;
};

async function check(c: Case) {
  const g = await testGpu();
  const batch = c.batch ?? 1;
  const sA = c.M * c.K,
    sB = c.K * c.N,
    sC = c.M * c.N;
  const a = randomArray(sA * batch, rand);
  const b = randomArray(sB * batch, rand);
  const c0 = c.beta ? randomArray(sC * batch, rand) : undefined;
  const out = c0 ? g.upload(c0) : poisoned(g, sC * batch);
  const args: MatmulArgs = { ...c, a: g.upload(a), b: g.upload(b), c: out, strideA: sA, strideB: sB, strideC: sC };
  await g.run([matmul(args)]);
  const got = await g.read(out, Float32Array);
  const refArgs = { ...c, a, b, c: c0, strideA: sA, strideB: sB, strideC: sC };
  const want = refMatmul(refArgs);
  const absRef = refMatmul({
    ...refArgs,
    a: a.map(Math.abs),
    b: b.map(Math.abs),
    alpha: Math.abs(c.alpha ?? 1),
    beta: 0,
  });
  const extra = c0 ? Float64Array.from(c0, (v) => Math.abs(v * (c.beta ?? 0))) : undefined;
  const { ratio, at } = worstRatio(got, want, tolerance(absRef, c.K, extra));
  expect(ratio, `seed ${seed}: worst element ${at}: got ${got[at]} want ${want[at]}`).toBeLessThanOrEqual(1);
}

describe(`matmul (seed ${seed})`, () => {
  // Sizes that are not multiples of the 32x64 workgroup tile; the first rows take the vec4 entry.
  const vecSizes = [
    { M: 37, N: 44, K: 52 },
    { M: 1, N: 4, K: 4 },
    { M: 70, N: 132, K: 36 },
  ];
  const oddSizes = [
    { M: 37, N: 45, K: 51 },
    { M: 3, N: 1, K: 7 },
    { M: 65, N: 33, K: 17 },
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const s of vecSizes) {
        const c = { ...s, transA, transB };
        it(`vec4 ${JSON.stringify(c)}`, async () => {
          // transA's vec4 path also needs M % 4 == 0; otherwise the scalar entry is what is tested.
          expect(matmulUsesVec4(c)).toBe(!transA || s.M % 4 === 0);
          await check(c);
        });
      }
      for (const s of oddSizes) {
        const c = { ...s, transA, transB };
        it(`scalar ${JSON.stringify(c)}`, async () => {
          expect(matmulUsesVec4(c)).toBe(false);
          await check(c);
        });
      }
    }
  }
  it('transA with M % 4 == 0 takes the vec4 entry', async () => {
    const c = { M: 36, N: 44, K: 52, transA: true };
    expect(matmulUsesVec4(c)).toBe(true);
    await check(c);
  });
  it('batched, vec4 and scalar', async () => {
    await check({ M: 13, N: 20, K: 24, batch: 3, transB: true });
    await check({ M: 13, N: 21, K: 23, batch: 3 });
  });
  it('alpha and beta (accumulate)', async () => {
    await check({ M: 33, N: 40, K: 28, alpha: 0.5, beta: 1 });
    await check({ M: 33, N: 41, K: 29, alpha: -2, beta: 0.25, transA: true });
  });

  // Gradients: against the reference products dA = dC·op(B)ᵀ, dB = op(A)ᵀ·dC, checked in stored layout.
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const s of [
        { M: 12, N: 20, K: 28 },
        { M: 11, N: 19, K: 5 },
      ]) {
        it(`gradients ${JSON.stringify({ ...s, transA, transB })}`, async () => {
          const g = await testGpu();
          const { M, N, K } = s;
          const a = randomArray(M * K, rand),
            b = randomArray(K * N, rand),
            dc = randomArray(M * N, rand);
          const da = poisoned(g, M * K),
            db = poisoned(g, K * N);
          const fwd: MatmulArgs = { a: g.upload(a), b: g.upload(b), c: g.buffer(M * N * 4), M, N, K, transA, transB };
          await g.run(matmulGrads(fwd, g.upload(dc), { da, db }));
          const gotA = await g.read(da, Float32Array),
            gotB = await g.read(db, Float32Array);
          // Reference: gradient of sum(dC ⊙ C) by the chain rule, element by element, in f64.
          const wantOpA = refMatmul({ a: dc, b, M, N: K, K: N, transB: !transB });
          const wantOpB = refMatmul({ a, b: dc, M: K, N, K: M, transA: !transA });
          const stored = (op: Float64Array, rows: number, cols: number, t: boolean) => {
            if (!t) return op;
            const o = new Float64Array(op.length);
            for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) o[c * rows + r] = op[r * cols + c];
            return o;
          };
          const wantA = stored(wantOpA, M, K, transA),
            wantB = stored(wantOpB, K, N, transB);
          const tolA = (i: number) => 2 * (N + 2) * U * N + 1e-30; // |values| <= 1, so Σ|·| <= N
          const tolB = (i: number) => 2 * (M + 2) * U * M + 1e-30;
          expect(worstRatio(gotA, wantA, tolA).ratio, `seed ${seed} dA`).toBeLessThanOrEqual(1);
          expect(worstRatio(gotB, wantB, tolB).ratio, `seed ${seed} dB`).toBeLessThanOrEqual(1);
        });
      }
    }
  }
  it('gradients accumulate with beta = 1', async () => {
    const g = await testGpu();
    const M = 8,
      N = 12,
      K = 16;
    const a = randomArray(M * K, rand),
      b = randomArray(K * N, rand),
      dc = randomArray(M * N, rand),
      prior = randomArray(K * N, rand);
    const db = g.upload(prior);
    const fwd: MatmulArgs = { a: g.upload(a), b: g.upload(b), c: g.buffer(M * N * 4), M, N, K };
    await g.run(matmulGrads(fwd, g.upload(dc), { db, accumulate: true }));
    const got = await g.read(db, Float32Array);
    const want = refMatmul({ a, b: dc, M: K, N, K: M, transA: true }).map((v, i) => v + prior[i]);
    expect(worstRatio(got, want, () => 2 * (M + 3) * U * (M + 1)).ratio).toBeLessThanOrEqual(1);
  });
  it('refuses gradients through a broadcast operand', () => {
    const fwd = { a: null!, b: null!, c: null!, M: 2, N: 4, K: 4, batch: 2, strideA: 8, strideB: 0 } as MatmulArgs;
    expect(() => matmulGrads(fwd, null!, { db: null! })).toThrow(/broadcast/);
  });
});
