import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../ts/gpu/index.js';
import { crossEntropy, lmHeadLoss, lossTotal } from '../../ts/ops/cross_entropy.js';
import { CHUNK } from '../../ts/ops/reduce.js';
import { refCrossEntropy, refLmHeadLoss } from '../../ts/ref/cross_entropy.js';
import { refMatmul } from '../../ts/ref/matmul.js';
import { centralDifference } from '../util/gradcheck.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff
const ULP = 2 * U;
const IGNORED = 0xffffffff; // a target no masked row may read

interface Batch {
  rows: number;
  vocab: number;
  stride: number;
  logits: Float32Array;
  targets: Uint32Array;
  mask: Float32Array;
}

/** Random targets; every fifth token masked out (with a target that must not be read), one weighted 0.5. */
function tokens(rows: number, vocab: number): { targets: Uint32Array; mask: Float32Array } {
  const mask = Float32Array.from({ length: rows }, (_, r) => (r % 5 === 2 ? 0 : r === 1 ? 0.5 : 1));
  const targets = Uint32Array.from(mask, (w) => (w === 0 ? IGNORED : Math.floor(rand() * vocab)));
  return { targets, mask };
}

function batch(rows: number, vocab: number, stride = vocab): Batch {
  const logits = randomArray(rows * stride, rand, -5, 5);
  // Padding columns hold NaN: they must be neither read into the softmax nor left unwritten.
  for (let r = 0; r < rows; r++) logits.fill(Number.NaN, r * stride + vocab, (r + 1) * stride);
  return { rows, vocab, stride, logits, ...tokens(rows, vocab) };
}

/**
 * Error bounds of the fused kernel from WGSL's accuracy rules: exp within 3 + 2|x| ULP, log and
 * division within a few ULP, f32 sums within (n + 2) u. The online sum rescales once per new
 * running max (`grows`), each rescale adding one exp's error. `zErr[r]` is an absolute error the
 * logits of row r already carry (from the product that made them).
 */
function ceBounds(b: Batch, scale: number, zErr?: Float64Array) {
  const { rows, vocab, stride } = b;
  const loss = new Float64Array(rows);
  const dlogits = new Float64Array(rows * stride);
  const { dlogits: g } = refCrossEntropy({ ...b, scale });
  for (let r = 0; r < rows; r++) {
    const w = b.mask[r];
    if (w === 0) continue;
    const row = b.logits.subarray(r * stride, r * stride + vocab);
    let max = -Infinity,
      min = Infinity,
      grows = 0;
    for (const x of row) {
      if (x > max) grows++;
      max = Math.max(max, x);
      min = Math.min(min, x);
    }
    const R = max - min;
    const z = zErr?.[r] ?? 0;
    const expErr = (3 + 2 * R) * ULP + R * U;
    const sumErr = (vocab + 2) * U + (grows + 1) * expErr + 2 * z;
    const lse = max + Math.log(vocab);
    loss[r] =
      Math.abs(w) *
      (sumErr + 2 ** -21 + 6 * ULP * Math.log(vocab) + 2 * U * (Math.abs(max) + 2 * Math.abs(lse)) + 2 * z);
    const ws = Math.abs(w * scale);
    for (let j = 0; j < vocab; j++) {
      const i = r * stride + j;
      const onehot = j === b.targets[r] ? 1 : 0;
      const p = g[i] / (w * scale) + onehot;
      dlogits[i] = ws * (p * (expErr + sumErr + 6 * ULP + 2 * z) + 2 * U * Math.abs(p - onehot)) + 1e-30;
    }
  }
  // Twice the first-order bound, for the second-order terms left out.
  return { loss: loss.map((v) => 2 * v + 1e-30), dlogits: dlogits.map((v) => 2 * v + 1e-30) };
}

function expectWithin(what: string, got: ArrayLike<number>, want: ArrayLike<number>, tol: (i: number) => number) {
  const r = worstRatio(got, want, tol);
  expect(
    r.ratio,
    `seed ${seed} ${what}: worst at ${r.at}: got ${got[r.at]} want ${want[r.at]} tol ${tol(r.at)}`,
  ).toBeLessThanOrEqual(1);
}

/** Runs the kernel over `b` in chunks of `chunk` rows (each its own logits buffer); returns loss and dlogits. */
async function runKernel(g: Gpu, b: Batch, scale: number, chunk: number, grad = true) {
  const targets = g.upload(b.targets),
    mask = g.upload(b.mask),
    loss = poisoned(g, b.rows);
  const parts: GPUBuffer[] = [];
  for (let r0 = 0; r0 < b.rows; r0 += chunk) {
    const rows = Math.min(chunk, b.rows - r0);
    const logits = g.upload(b.logits.subarray(r0 * b.stride, (r0 + rows) * b.stride));
    parts.push(logits);
    await g.run([
      crossEntropy({ logits, targets, mask, loss, rows, vocab: b.vocab, stride: b.stride, rowOffset: r0, scale, grad }),
    ]);
  }
  const out = new Float32Array(b.rows * b.stride);
  for (let k = 0; k < parts.length; k++) out.set(await g.read(parts[k], Float32Array), k * chunk * b.stride);
  return { loss: await g.read(loss, Float32Array), dlogits: out };
}

describe(`cross_entropy (seed ${seed})`, () => {
  const cases = [
    { rows: 45, vocab: 37, stride: 37 }, // scalar entry
    { rows: 45, vocab: 37, stride: 40 }, // vec4 entry, a partial last quad and padding
    { rows: 33, vocab: 2201, stride: 2201 },
    { rows: 33, vocab: 2201, stride: 2204 },
    { rows: 19, vocab: 2200, stride: 2200 }, // vec4, no padding
  ];
  for (const c of cases) {
    it(`kernel ${JSON.stringify(c)} in chunks, with masked and weighted rows`, async () => {
      const g = await testGpu();
      const b = batch(c.rows, c.vocab, c.stride);
      const scale = 1 / 7;
      const got = await runKernel(g, b, scale, 16);
      const want = refCrossEntropy({ ...b, scale });
      const tol = ceBounds(b, scale);
      expectWithin('loss', got.loss, want.loss, (i) => tol.loss[i]);
      expectWithin('dlogits', got.dlogits, want.dlogits, (i) => tol.dlogits[i]);
    });
  }

  it('without grad: loss only, logits untouched', async () => {
    const g = await testGpu();
    const b = batch(21, 37, 40);
    const got = await runKernel(g, b, 0.5, 64, false);
    const tol = ceBounds(b, 0.5);
    expectWithin('loss', got.loss, refCrossEntropy({ ...b, scale: 0.5 }).loss, (i) => tol.loss[i]);
    expect(Buffer.from(got.dlogits.buffer).equals(Buffer.from(b.logits.buffer))).toBe(true);
  });

  // RL's entropy bonus: rows with only a bonus weight (w = 0, e > 0) are computed, rows with neither skipped.
  for (const c of [
    { rows: 45, vocab: 37, stride: 40 },
    { rows: 33, vocab: 2201, stride: 2204 },
  ]) {
    it(`entropy bonus ${JSON.stringify(c)}: entropies and dlogits against the reference`, async () => {
      const g = await testGpu();
      const b = batch(c.rows, c.vocab, c.stride);
      const ent = Float32Array.from({ length: c.rows }, (_, r) => (r % 3 === 0 ? 0 : 0.05 + rand() * 0.5));
      b.targets = Uint32Array.from(b.targets, (t) => (t === IGNORED ? Math.floor(rand() * c.vocab) : t)); // bonus-only rows read theirs
      const scale = 1 / 5;
      const targets = g.upload(b.targets),
        mask = g.upload(b.mask),
        loss = poisoned(g, b.rows),
        entropy = poisoned(g, b.rows);
      const logits = g.upload(b.logits);
      await g.run([
        crossEntropy({
          logits,
          targets,
          mask,
          loss,
          rows: b.rows,
          vocab: b.vocab,
          stride: b.stride,
          scale,
          entropy: { weights: g.upload(ent), out: entropy },
        }),
      ]);
      const got = {
        loss: await g.read(loss, Float32Array),
        dlogits: await g.read(logits, Float32Array),
        entropy: await g.read(entropy, Float32Array),
      };
      const want = refCrossEntropy({ ...b, scale, ent });
      const plain = refCrossEntropy({ ...b, scale }); // without the bonus, for the CE part's bounds
      const tol = ceBounds(b, scale);
      const hTol = new Float64Array(b.rows),
        gTol = new Float64Array(b.rows * b.stride);
      for (let r = 0; r < b.rows; r++) {
        if (b.mask[r] === 0 && ent[r] === 0) continue;
        const row = Array.from(b.logits.subarray(r * b.stride, r * b.stride + b.vocab));
        const max = Math.max(...row),
          R = max - Math.min(...row);
        let grows = 0;
        row.reduce((m, z) => (z > m ? (grows++, z) : m), -Infinity); // rescales of the online sums
        const expErr = (3 + 2 * R) * ULP + R * U,
          sumErr = (b.vocab + 2) * U + (grows + 1) * expErr;
        const logSum = Math.log(row.reduce((a, z) => a + Math.exp(z - max), 0));
        const mean = logSum - want.entropy[r]; // E_p[z - max]
        hTol[r] = 2 * ((expErr + sumErr) * (1 + 2 * R) + 8 * U * (Math.log(b.vocab) + R)) + 1e-30;
        for (let j = 0; j < b.vocab; j++) {
          const i = r * b.stride + j,
            z = row[j] - max;
          const p = Math.exp(z - logSum);
          gTol[i] =
            tol.dlogits[i] + 2 * ent[r] * p * ((expErr + sumErr) * (Math.abs(z - mean) + 2 * R) + 4 * U * R) + 1e-30;
        }
      }
      expectWithin('loss', got.loss, want.loss, (i) => tol.loss[i]);
      expectWithin('entropy', got.entropy, want.entropy, (i) => hTol[i]);
      expectWithin('dlogits', got.dlogits, want.dlogits, (i) => gTol[i]);
      // The bonus changed the gradient of the rows that have one (the check above is not the plain CE's).
      const moved = (r: number) =>
        Array.from({ length: b.vocab }, (_, j) => r * b.stride + j).some(
          (i) => Math.abs(want.dlogits[i] - plain.dlogits[i]) > 100 * gTol[i],
        );
      expect(moved(1) && moved(2)).toBe(true);
    });
  }

  it('the entropy bonus refuses a row stride that is not a multiple of 4', async () => {
    const g = await testGpu();
    const x = g.buffer(64);
    expect(() =>
      crossEntropy({
        logits: x,
        targets: x,
        mask: x,
        loss: x,
        rows: 1,
        vocab: 37,
        scale: 1,
        entropy: { weights: x, out: x },
      }),
    ).toThrow(/multiple of 4/);
  });

  it('an unmasked target outside the vocabulary gives NaN, not a silent number', async () => {
    const g = await testGpu();
    for (const stride of [37, 40]) {
      const b = batch(3, 37, stride);
      b.mask.fill(1);
      b.targets.set([1, 37, 2]);
      const got = await runKernel(g, b, 1, 64);
      expect([...got.loss].map(Number.isNaN)).toEqual([false, true, false]);
      expect(Number.isNaN(got.dlogits[stride])).toBe(true);
    }
  });

  // The whole fused LM head: chunks of 64 tokens (T is not a multiple), dEmbed accumulated onto what it held.
  const heads = [
    { T: 150, D: 12, vocab: 37, embedRows: 37, chunkRows: 64 },
    { T: 150, D: 10, vocab: 37, embedRows: 40, chunkRows: 64, inRange: true }, // x and dx bound as ranges of larger buffers
    { T: 70, D: 16, vocab: 2201, embedRows: 2201, chunkRows: 64 },
    { T: 70, D: 16, vocab: 2201, embedRows: 2204, chunkRows: 128 }, // one chunk
  ];
  for (const h of heads) {
    it(`lmHeadLoss ${JSON.stringify(h)}`, async () => {
      const g = await testGpu();
      const { T, D, vocab, embedRows } = h;
      const at = 'inRange' in h ? 64 : 0; // elements before x and dx in their buffers (256 bytes)
      const x = randomArray(T * D, rand, -1, 1);
      const embed = randomArray(embedRows * D, rand, -1, 1);
      const prior = randomArray(embedRows * D, rand, -1, 1);
      const { targets, mask } = tokens(T, vocab);
      const scale = 1 / mask.reduce((n, w) => n + (w !== 0 ? 1 : 0), 0);
      const loss = poisoned(g, T),
        dxBuf = poisoned(g, at + T * D),
        dEmbed = g.upload(prior);
      const xBuf = g.upload(Float32Array.from([...new Float32Array(at).fill(Number.NaN), ...x]));
      const range = (buffer: GPUBuffer) => (at ? { buffer, offset: at * 4, size: T * D * 4 } : buffer);
      const logits = poisoned(g, Math.min(h.chunkRows, T) * embedRows);
      const list = lmHeadLoss({
        ...h,
        x: range(xBuf),
        embed: g.upload(embed),
        targets: g.upload(targets),
        mask: g.upload(mask),
        loss,
        logits,
        dx: range(dxBuf),
        dEmbed,
        scale,
      });
      await g.run(list);
      const got = {
        loss: await g.read(loss, Float32Array),
        dx: await g.read(dxBuf, Float32Array, T * D, at),
        dEmbed: await g.read(dEmbed, Float32Array),
      };
      const want = refLmHeadLoss({ x, embed, targets, mask, T, D, vocab, embedRows, scale });

      // Bounds: the logits product (2(D+2)u Σ|x e| per element, the worst of each row), the kernel
      // given that, then the two gradient products of the kernel's output and of its error.
      const absZ = refMatmul({ a: x.map(Math.abs), b: embed.map(Math.abs), M: T, N: embedRows, K: D, transB: true });
      const zErr = Float64Array.from(
        { length: T },
        (_, r) => 2 * (D + 2) * U * Math.max(...absZ.subarray(r * embedRows, r * embedRows + vocab)),
      );
      const zf = Float32Array.from(refMatmul({ a: x, b: embed, M: T, N: embedRows, K: D, transB: true }));
      const tol = ceBounds({ rows: T, vocab, stride: embedRows, logits: zf, targets, mask }, scale, zErr);
      const absG = refCrossEntropy({ logits: zf, targets, mask, rows: T, vocab, stride: embedRows, scale }).dlogits.map(
        Math.abs,
      );
      const absE = embed.map(Math.abs),
        absX = x.map(Math.abs);
      const dxTol = refMatmul({ a: tol.dlogits, b: absE, M: T, N: D, K: embedRows });
      const dxRound = refMatmul({ a: absG, b: absE, M: T, N: D, K: embedRows });
      const dETol = refMatmul({ a: tol.dlogits, b: absX, M: embedRows, N: D, K: T, transA: true });
      const dERound = refMatmul({ a: absG, b: absX, M: embedRows, N: D, K: T, transA: true });
      expectWithin('loss', got.loss, want.loss, (i) => tol.loss[i]);
      expectWithin('dx', got.dx, want.dx, (i) => dxTol[i] + 2 * (embedRows + 2) * U * dxRound[i] + 1e-30);
      const wantE = want.dEmbed.map((v, i) => v + prior[i]);
      expectWithin(
        'dEmbed',
        got.dEmbed,
        wantE,
        (i) => dETol[i] + 2 * (T + 2) * U * dERound[i] + 2 * U * Math.abs(prior[i]) + 1e-30,
      );

      // The masked mean from lossTotal, and bit-identical when run again.
      const partials = g.buffer(Math.ceil(T / CHUNK) * 4),
        total = poisoned(g, 1);
      await g.run(lossTotal(loss, partials, total, T));
      const [sum] = await g.read(total, Float32Array, 1);
      let wantSum = 0,
        sumTol = 0;
      for (let t = 0; t < T; t++) {
        wantSum += want.loss[t];
        sumTol += tol.loss[t] + 2 * (T + 2) * U * Math.abs(want.loss[t]);
      }
      expect(Math.abs(sum - wantSum), `seed ${seed}: loss sum ${sum} vs ${wantSum}`).toBeLessThanOrEqual(sumTol);
      await g.run(list);
      expect(Buffer.from((await g.read(loss, Float32Array)).buffer).equals(Buffer.from(got.loss.buffer))).toBe(true);
    });
  }

  // RL's LM head (TrainingModel.policyGradient, tokenLogprobs): per-token weights of either sign, logits
  // scaled by 1/temperature, and the entropy entry; gradients of J = scale Σ w_t loss_t - Σ e_t H_t.
  const rlHeads = [
    { T: 150, D: 12, vocab: 37, embedRows: 40, chunkRows: 64, logitScale: 1 / 0.7, scale: 1, entropy: false },
    { T: 150, D: 12, vocab: 37, embedRows: 40, chunkRows: 64, logitScale: 1.7, scale: 0.25, entropy: true },
    { T: 70, D: 16, vocab: 2201, embedRows: 2204, chunkRows: 64, logitScale: 0.6, scale: 1, entropy: true },
  ];
  for (const h of rlHeads) {
    it(`lmHeadLoss for RL ${JSON.stringify(h)}: negative weights, logit scale, entropy`, async () => {
      const g = await testGpu();
      const { T, D, vocab, embedRows: V, logitScale: s, scale } = h;
      const x = randomArray(T * D, rand, -1, 1);
      const embed = randomArray(V * D, rand, -1, 1);
      const prior = randomArray(V * D, rand, -1, 1);
      // Weights in [-1, 1], every seventh 0; bonus weights in [0, 0.5], every third 0 (rows with
      // neither are skipped, rows with a bonus only are computed).
      const w = Float32Array.from({ length: T }, (_, t) => (t % 7 === 3 ? 0 : 2 * rand() - 1));
      const ent = Float32Array.from({ length: T }, (_, t) => (!h.entropy || t % 3 === 0 ? 0 : 0.5 * rand()));
      const targets = Uint32Array.from({ length: T }, () => Math.floor(rand() * vocab));
      expect(w.some((v) => v < 0)).toBe(true);

      const loss = poisoned(g, T),
        dxBuf = poisoned(g, T * D),
        entropy = poisoned(g, T),
        dEmbed = g.upload(prior);
      const entropyArgs = h.entropy ? { weights: g.upload(ent), out: entropy } : undefined;
      await g.run(
        lmHeadLoss({
          x: g.upload(x),
          embed: g.upload(embed),
          targets: g.upload(targets),
          mask: g.upload(w),
          loss,
          logits: poisoned(g, h.chunkRows * V),
          dx: dxBuf,
          dEmbed,
          T,
          D,
          vocab,
          embedRows: V,
          chunkRows: h.chunkRows,
          scale,
          logitScale: s,
          entropy: entropyArgs,
        }),
      );
      const got = {
        loss: await g.read(loss, Float32Array),
        dx: await g.read(dxBuf, Float32Array),
        dEmbed: await g.read(dEmbed, Float32Array),
      };

      // Reference: the kernel reference on the scaled logits, chained by hand through z = s x Eᵀ.
      const ref = (xs: ArrayLike<number>, es: ArrayLike<number>) => {
        const z = refMatmul({ a: xs, b: es, M: T, N: V, K: D, transB: true }).map((v) => v * s);
        const ce = refCrossEntropy({ logits: z, targets, mask: w, rows: T, vocab, stride: V, scale, ent });
        const J = ce.loss.reduce((a, l) => a + scale * l, 0) - ce.entropy.reduce((a, hh, t) => a + ent[t] * hh, 0);
        return { z, ...ce, J };
      };
      const want = ref(x, embed);
      const dx = refMatmul({ a: want.dlogits, b: embed, M: T, N: D, K: V }).map((v) => v * s);
      const dE = refMatmul({ a: want.dlogits, b: x, M: V, N: D, K: T, transA: true }).map((v, i) => v * s + prior[i]);
      // The chain rule above against central differences of J (f64) at random coordinates.
      const xs = Float64Array.from(x),
        es = Float64Array.from(embed);
      for (let k = 0; k < 12; k++) {
        const i = Math.floor(rand() * T * D),
          j = Math.floor(rand() * vocab * D);
        const fx = centralDifference(() => ref(xs, es).J, xs, i, 1e-5),
          fe = centralDifference(() => ref(xs, es).J, es, j, 1e-5);
        expect(Math.abs(fx - dx[i]), `dJ/dx[${i}] (seed ${seed})`).toBeLessThan(1e-7 * (1 + Math.abs(fx)));
        expect(Math.abs(fe - (dE[j] - prior[j])), `dJ/dE[${j}] (seed ${seed})`).toBeLessThan(1e-7 * (1 + Math.abs(fe)));
      }

      // f32 bounds, far below a wrong factor or sign (observed errors stay under 1/50 of them): per
      // element of dlogits c u (V + D + R) times the magnitudes of its terms, then the two products.
      const gTol = new Float64Array(T * V),
        lossTol = new Float64Array(T),
        hTol = new Float64Array(T);
      for (let t = 0; t < T; t++) {
        if (w[t] === 0 && ent[t] === 0) continue;
        const row = Array.from(want.z.subarray(t * V, t * V + vocab));
        const max = Math.max(...row),
          R = max - Math.min(...row);
        const lse = max + Math.log(row.reduce((a, v) => a + Math.exp(v - max), 0));
        const c = 4 * U * (vocab + D + 4 * (1 + R));
        lossTol[t] = c * Math.abs(w[t]) * (1 + Math.abs(lse) + R);
        hTol[t] = c * (1 + R) * (1 + Math.log(vocab));
        for (let j = 0; j < vocab; j++) {
          const logp = row[j] - lse,
            p = Math.exp(logp);
          gTol[t * V + j] =
            c *
            (Math.abs(w[t] * scale) * (p + (j === targets[t] ? 1 : 0)) +
              ent[t] * p * (Math.abs(logp) + want.entropy[t] + 1) * (1 + R));
        }
      }
      const absG = want.dlogits.map(Math.abs);
      const dxTol = refMatmul({ a: gTol, b: embed.map(Math.abs), M: T, N: D, K: V }).map((v, i) => s * v + 1e-30);
      const dxRound = refMatmul({ a: absG, b: embed.map(Math.abs), M: T, N: D, K: V });
      const dETol = refMatmul({ a: gTol, b: x.map(Math.abs), M: V, N: D, K: T, transA: true });
      const dERound = refMatmul({ a: absG, b: x.map(Math.abs), M: V, N: D, K: T, transA: true });
      expectWithin('loss', got.loss, want.loss, (i) => lossTol[i] + 1e-30);
      expectWithin('dx', got.dx, dx, (i) => dxTol[i] + 2 * (V + 2) * U * s * dxRound[i]);
      expectWithin(
        'dEmbed',
        got.dEmbed,
        dE,
        (i) => s * (dETol[i] + 2 * (T + 2) * U * dERound[i]) + 2 * U * Math.abs(prior[i]) + 1e-30,
      );
      if (h.entropy) expectWithin('entropy', await g.read(entropy, Float32Array), want.entropy, (i) => hTol[i] + 1e-30);
    });
  }

  it('refuses chunks that would misalign row ranges, and scratch that is too small', async () => {
    const g = await testGpu();
    const b = g.buffer(4);
    const base = { x: b, embed: b, targets: b, mask: b, loss: b, dx: b, dEmbed: b, T: 100, D: 8, vocab: 37, scale: 1 };
    expect(() => lmHeadLoss({ ...base, logits: g.buffer(64 * 37 * 4), chunkRows: 50 })).toThrow(/multiple of 64/);
    expect(() => lmHeadLoss({ ...base, logits: g.buffer(63 * 37 * 4), chunkRows: 64 })).toThrow(/needs 64 x 37/);
    expect(() => lmHeadLoss({ ...base, logits: g.buffer(64 * 37 * 4), chunkRows: 64, dx: undefined })).toThrow(
      /dx and dEmbed/,
    );
  });
});
