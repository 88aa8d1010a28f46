import { describe, expect, it } from 'vitest';
import type { Gpu } from '../../ts/gpu/device.js';
import { sample, sampleWorkgroup, type SampleArgs } from '../../ts/ops/sample.js';
import {
  refKeptProbs,
  refKeptSet,
  refLogprob,
  refSampleRow,
  sampleRowF32,
  sampleUniform,
  type SampleOptions,
} from '../../ts/ref/sample.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const u32 = () => Math.floor(rand() * 2 ** 32);

/** Runs the kernel over [rows, stride] logits; returns ids and log-probabilities. */
async function run(
  g: Gpu,
  logits: Float32Array,
  o: Omit<SampleArgs, 'logits' | 'tokens' | 'logprobs'>,
): Promise<{ ids: Uint32Array; lp: Float32Array }> {
  const tokens = g.upload(new Uint32Array(o.B).fill(0xffffffff), 'tokens');
  const logprobs = poisoned(g, o.B, 'logprobs');
  await g.run([sample({ logits: g.upload(logits), tokens, logprobs, ...o })]);
  return { ids: await g.read(tokens, Uint32Array), lp: await g.read(logprobs, Float32Array) };
}

/** [rows, stride] random logits (padding columns hold large values that must never win). */
function randomLogits(rows: number, vocab: number, stride: number, spread: number): Float32Array {
  const z = randomArray(rows * stride, rand, -spread, spread);
  for (let r = 0; r < rows; r++) for (let j = vocab; j < stride; j++) z[r * stride + j] = 100;
  return z;
}

const row = (z: Float32Array, r: number, vocab: number, stride: number) => z.subarray(r * stride, r * stride + vocab);

/**
 * [rows, stride] logits, each row on the edge of a decision of the kernel's model (sampleRowF32)
 * for its uniform: one logit moved by bisection until the next f32 up changes the token or the
 * kept set. A sum rounded otherwise than the model (another order) flips such rows' decisions.
 */
function edgeLogits(rows: number, vocab: number, stride: number, o: SampleOptions, s: number, step: number) {
  const out = new Float32Array(rows * stride);
  for (let r = 0; r < rows;) {
    const z = randomLogits(1, vocab, stride, 3),
      u = sampleUniform(s, step, r),
      j = Math.floor(rand() * vocab);
    const decision = (x: number) => {
      z[j] = x;
      const t = sampleRowF32(z, vocab, stride, o, u);
      return `${t.token} ${t.thr}`;
    };
    let lo = Math.fround(z[j] - 2),
      hi = Math.fround(z[j] + 2);
    const low = decision(lo);
    if (low === decision(hi)) continue;
    for (let mid = Math.fround((lo + hi) / 2); mid !== lo && mid !== hi; mid = Math.fround((lo + hi) / 2)) {
      if (decision(mid) === low) lo = mid;
      else hi = mid;
    }
    decision(lo);
    out.set(z, r++ * stride);
  }
  return out;
}

describe(`sample (seed ${seed})`, () => {
  const cases: SampleOptions[] = [
    { temperature: 1 },
    { temperature: 0.7, topK: 5 },
    { temperature: 1.3, topP: 0.8 },
    { temperature: 0.9, topK: 40, topP: 0.6 },
    { temperature: 0 },
  ];
  for (const [o, workgroupSize] of cases.flatMap((o) => [8, 64].map((w) => [o, w] as const))) {
    it(`matches the reference draw and log-probability (${JSON.stringify(o)}, ${workgroupSize} invocations per row)`, async () => {
      const g = await testGpu();
      const B = 9,
        vocab = 301,
        stride = 304,
        s = u32(),
        step = u32() >>> 8,
        rngRow = 5;
      const z = randomLogits(B, vocab, stride, 4);
      const got = await run(g, z, {
        B,
        vocab,
        stride,
        temperature: o.temperature,
        topK: o.topK,
        topP: o.topP,
        seed: s,
        step,
        rngRow,
        workgroupSize,
      });
      let decided = 0;
      for (let r = 0; r < B; r++) {
        const zr = row(z, r, vocab, stride);
        const want = refSampleRow(zr, o, sampleUniform(s, step, rngRow + r));
        expect(
          refKeptSet(zr, o)[got.ids[r]] || o.temperature === 0,
          `row ${r}: ${got.ids[r]} outside the kept set`,
        ).toBe(true);
        // f32 sums may decide otherwise only within a hair of a cumulative boundary.
        if (want.margin > 1e-5) {
          expect(got.ids[r], `row ${r}`).toBe(want.token);
          decided++;
        }
        // exp/log of WGSL are a few ulp; terms are O(1): a few 1e-6 absolute.
        expect(Math.abs(got.lp[r] - refLogprob(zr, got.ids[r], o.temperature)), `row ${r}`).toBeLessThan(1e-5);
      }
      expect(decided).toBeGreaterThan(B / 2);
    });
  }

  // Bit for bit the kernel's model, whose sums have one order: the draws, log-probabilities and the
  // decisions behind them do not depend on the workgroup size (nor on the adapter: the same model).
  for (const o of [
    { temperature: 1 },
    { temperature: 0.8, topP: 0.9 },
    { temperature: 1.1, topK: 30, topP: 0.7 },
    { temperature: 0.6, topK: 4 },
    { temperature: 0 },
  ] as SampleOptions[]) {
    it(`equals its bit-exact model on rows at the edge of a decision, for every workgroup size (${JSON.stringify(o)})`, async () => {
      const g = await testGpu();
      const B = 24,
        vocab = 301,
        stride = 304,
        s = u32(),
        step = 3;
      const z = edgeLogits(B, vocab, stride, o, s, step);
      const want = Array.from({ length: B }, (_, r) =>
        sampleRowF32(z.subarray(r * stride, (r + 1) * stride), vocab, stride, o, sampleUniform(s, step, r)),
      );
      // The sizes the other tests compile already (SwiftShader takes seconds per pipeline).
      for (const workgroupSize of [4, 8, 32, 64]) {
        const got = await run(g, z, { B, vocab, stride, ...o, seed: s, step, workgroupSize });
        for (let r = 0; r < B; r++) {
          const at = `${workgroupSize} invocations, row ${r}`;
          expect(got.ids[r], at).toBe(want[r].token);
          expect(Object.is(got.lp[r], Math.fround(want[r].logprob)), `${at}: ${got.lp[r]} vs ${want[r].logprob}`).toBe(
            true,
          );
        }
      }
    });
  }

  // 2201 ids: weights computed once (the kernel keeps rows of up to 2560 ids); 3001: in every pass.
  for (const vocab of [2201, 3001]) {
    it(`equals its bit-exact model on a large vocabulary (${vocab} ids) at 8 and 64 invocations`, async () => {
      const g = await testGpu();
      const B = 16,
        stride = vocab + 3,
        s = u32();
      const z = randomLogits(B, vocab, stride, 2);
      for (const o of [{ temperature: 1, topP: 0.95 }, { temperature: 0.7 }] as SampleOptions[]) {
        const want = Array.from({ length: B }, (_, r) =>
          sampleRowF32(z.subarray(r * stride, (r + 1) * stride), vocab, stride, o, sampleUniform(s, 5, r)),
        );
        for (const workgroupSize of [8, 64]) {
          const got = await run(g, z, { B, vocab, stride, ...o, seed: s, step: 5, workgroupSize });
          expect(Array.from(got.ids)).toEqual(want.map((w) => w.token));
          expect(Array.from(got.lp)).toEqual(want.map((w) => Math.fround(w.logprob)));
        }
      }
    });
  }

  it('temperature 0 is argmax with ties to the lowest id, and T-unscaled log-probabilities', async () => {
    const g = await testGpu();
    const B = 6,
      vocab = 1001,
      stride = 1004;
    const z = randomLogits(B, vocab, stride, 3);
    for (let r = 0; r < B; r++) {
      const a = Math.floor(rand() * (vocab - 1)),
        b = a + 1 + Math.floor(rand() * (vocab - 1 - a));
      z[r * stride + a] = z[r * stride + b] = 5; // a planted tie: a wins
    }
    const got = await run(g, z, { B, vocab, stride, temperature: 0, seed: u32(), step: 0 });
    for (let r = 0; r < B; r++) {
      const zr = row(z, r, vocab, stride);
      expect(got.ids[r]).toBe(zr.indexOf(5));
      expect(Math.abs(got.lp[r] - refLogprob(zr, got.ids[r], 1))).toBeLessThan(1e-5);
    }
  });

  it('per-row temperatures: greedy rows and sampled rows in one dispatch', async () => {
    const g = await testGpu();
    const B = 8,
      vocab = 97,
      stride = 100,
      s = u32();
    const z = randomLogits(B, vocab, stride, 3);
    const temps = Float32Array.from({ length: B }, (_, r) => (r % 3 === 0 ? 0 : 0.5 + rand()));
    const got = await run(g, z, { B, vocab, stride, temperature: g.upload(temps), seed: s, step: 3 });
    for (let r = 0; r < B; r++) {
      const zr = row(z, r, vocab, stride);
      const want = refSampleRow(zr, { temperature: temps[r] }, sampleUniform(s, 3, r));
      if (want.margin > 1e-5) expect(got.ids[r], `row ${r}`).toBe(want.token);
      expect(Math.abs(got.lp[r] - refLogprob(zr, got.ids[r], temps[r]))).toBeLessThan(1e-5);
    }
  });

  for (const o of [
    { temperature: 0.8 },
    { temperature: 1, topK: 7 },
    { temperature: 1.2, topP: 0.7 },
  ] as SampleOptions[]) {
    it(`the empirical distribution of many draws matches softmax(z / T) on the kept set (${JSON.stringify(o)})`, async () => {
      const g = await testGpu();
      const vocab = 23,
        stride = 24,
        B = 2000;
      const z = randomLogits(1, vocab, stride, 2);
      const s = u32();
      const counts = new Float64Array(vocab);
      // One logits row for every output row; rows and steps both vary the counter.
      for (let step = 0; step < 3; step++) {
        const got = await run(g, z, {
          B,
          vocab,
          stride,
          ...o,
          seed: s,
          step,
          broadcast: true,
          workgroupSize: sampleWorkgroup(g.adapterKind),
        });
        for (const id of got.ids) counts[id]++;
      }
      const N = 3 * B,
        probs = refKeptProbs(row(z, 0, vocab, stride), o);
      // Pearson's chi-square over the kept ids; the bound is ~6 standard deviations above its mean.
      let chi = 0,
        df = -1;
      for (let j = 0; j < vocab; j++) {
        if (probs[j] === 0) {
          expect(counts[j], `id ${j} is outside the kept set`).toBe(0);
          continue;
        }
        chi += (counts[j] - N * probs[j]) ** 2 / (N * probs[j]);
        df++;
      }
      expect(chi, `chi-square ${chi.toFixed(1)} with ${df} degrees of freedom`).toBeLessThan(
        df + 6 * Math.sqrt(2 * Math.max(df, 1)) + 10,
      );
    });
  }

  it('top-k and top-p never pick outside their sets, with ties at the threshold kept', async () => {
    const g = await testGpu();
    const B = 64,
      vocab = 211,
      stride = 212;
    // Values on a coarse grid: many ties, including at the top-k and nucleus thresholds.
    const z = randomLogits(B, vocab, stride, 3).map((x, i) => (i % stride < vocab ? Math.round(x * 2) / 2 : x));
    for (const o of [
      { temperature: 2, topK: 3 },
      { temperature: 2, topP: 0.3 },
      { temperature: 3, topK: 20, topP: 0.5 },
    ] as SampleOptions[]) {
      for (let step = 0; step < 4; step++) {
        const got = await run(g, z, { B, vocab, stride, ...o, seed: u32(), step, workgroupSize: [4, 32, 8, 64][step] });
        for (let r = 0; r < B; r++)
          expect(
            refKeptSet(row(z, r, vocab, stride), o)[got.ids[r]],
            `${JSON.stringify(o)} row ${r}: ${got.ids[r]}`,
          ).toBe(true);
      }
    }
  });

  it('the same seed gives the same bytes; another seed or step gives other tokens', async () => {
    const g = await testGpu();
    const B = 64,
      vocab = 2201,
      stride = 2204;
    const z = randomLogits(B, vocab, stride, 1);
    const o = { B, vocab, stride, temperature: 1, topP: 0.95, step: 7 };
    const s = u32();
    const a = await run(g, z, { ...o, seed: s });
    const b = await run(g, z, { ...o, seed: s });
    expect(Buffer.from(a.ids.buffer).equals(Buffer.from(b.ids.buffer))).toBe(true);
    expect(Buffer.from(a.lp.buffer).equals(Buffer.from(b.lp.buffer))).toBe(true);
    const c = await run(g, z, { ...o, seed: (s + 1) >>> 0 });
    const d = await run(g, z, { ...o, seed: s, step: 8 });
    // Near-uniform rows over 2201 ids: 64 equal draws by chance is impossible in practice.
    expect(c.ids.some((id, r) => id !== a.ids[r])).toBe(true);
    expect(d.ids.some((id, r) => id !== a.ids[r])).toBe(true);
  });

  it('reads logits rows from an offset and writes nothing past B', async () => {
    const g = await testGpu();
    const rows = 5,
      vocab = 41,
      stride = 44,
      s = u32();
    const z = randomLogits(rows, vocab, stride, 2);
    const tokens = g.upload(new Uint32Array(4).fill(0xffffffff)),
      logprobs = poisoned(g, 4);
    await g.run([
      sample({
        logits: g.upload(z),
        tokens,
        logprobs,
        B: 2,
        vocab,
        stride,
        temperature: 0.5,
        seed: s,
        step: 1,
        rngRow: 9,
        logitsRow: 3,
      }),
    ]);
    const ids = await g.read(tokens, Uint32Array),
      lp = await g.read(logprobs, Float32Array);
    for (let r = 0; r < 2; r++) {
      const want = refSampleRow(row(z, 3 + r, vocab, stride), { temperature: 0.5 }, sampleUniform(s, 1, 9 + r));
      if (want.margin > 1e-5) expect(ids[r]).toBe(want.token);
    }
    expect([ids[2], ids[3]]).toEqual([0xffffffff, 0xffffffff]);
    expect(Number.isNaN(lp[2]) && Number.isNaN(lp[3])).toBe(true);
  });

  it('refuses bad arguments with clear errors', () => {
    const b = {} as GPUBuffer;
    const base = { logits: b, tokens: b, logprobs: b, B: 2, vocab: 10, stride: 12, temperature: 1, seed: 1, step: 0 };
    expect(() => sample({ ...base, stride: 10 })).toThrow(/multiple of 4/);
    expect(() => sample({ ...base, vocab: 13 })).toThrow(/vocab/);
    expect(() => sample({ ...base, topP: 0 })).toThrow(/topP/);
    expect(() => sample({ ...base, temperature: -1 })).toThrow(/temperature/);
    expect(() => sample({ ...base, seed: 2 ** 32 })).toThrow(/seed/);
    expect(() => sample({ ...base, workgroupSize: 48 })).toThrow(/workgroupSize/);
    expect(() => sample({ ...base, workgroupSize: 128 })).toThrow(/workgroupSize/);
  });
});
