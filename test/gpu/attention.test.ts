import { describe, expect, it } from 'vitest';
import { attentionForward, type AttentionShape } from '../../ts/ops/attention.js';
import { refAttentionForward, type RefAttentionInputs } from '../../ts/ref/attention.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff

/** Fresh inputs in [-1, 1]; q times `qScale` makes the softmax peakier (more rescaling). */
function inputs(x: AttentionShape, qScale = 1): RefAttentionInputs & { q: Float32Array; k: Float32Array; v: Float32Array } {
  const T = x.B * x.S;
  return {
    ...x,
    q: randomArray(T * x.H * x.hd, rand, -qScale, qScale),
    k: randomArray(T * x.KVH * x.hd, rand),
    v: randomArray(T * x.KVH * x.hd, rand),
  };
}

/**
 * Per (row, head), from the f64 reference: E = max over its keys of scale Σ_d |q_d k_d| (bounds
 * |score| and the f32 error of a score, ≤ (hd + 1) u E), n = its number of keys, and the softmax
 * weights w_j = exp(score_j - lse) that the f32 errors of the scores are spread over.
 */
function rowBounds(x: RefAttentionInputs, lse: Float64Array, visit: (row: number, h: number, E: number, n: number, w: (j: number) => number) => void) {
  const { B, S, H, KVH, hd } = x;
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      const row = b * S + i;
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / KVH));
        const qi = (row * H + h) * hd;
        const score = new Float64Array(i + 1);
        let E = 0;
        for (let j = 0; j <= i; j++) {
          const kj = ((b * S + j) * KVH + g) * hd;
          let abs = 0, dot = 0;
          for (let d = 0; d < hd; d++) {
            abs += Math.abs(x.q[qi + d] * x.k[kj + d]);
            dot += x.q[qi + d] * x.k[kj + d];
          }
          E = Math.max(E, abs * scale);
          score[j] = dot * scale;
        }
        visit(row, h, E, i + 1, (j) => Math.exp(score[j] - lse[row * H + h]));
      }
    }
  }
}

/**
 * Forward tolerances from f32 rounding. A score's error is ≤ (hd + 1) u E; exp(x) may be off by
 * (3 + 2|x|) ulp with |x| ≤ 2E (WGSL's accuracy rule); the online sums add ≤ 3n u. Relative errors of
 * the weights are then ≤ u (2 (hd + 1) E + 8E + 3n + 10), and o's error that times Σ_j w_j |v_jd|;
 * we allow twice that. lse = m + log(l): score error, sum error, log's 2^-21 absolute error.
 */
function forwardTolerances(x: RefAttentionInputs, lse: Float64Array) {
  const { H, KVH, hd } = x;
  const tolO = new Float64Array(x.B * x.S * H * hd);
  const tolL = new Float64Array(x.B * x.S * H);
  rowBounds(x, lse, (row, h, E, n, w) => {
    const rel = 2 * U * (2 * (hd + 1) * E + 8 * E + 3 * n + 10);
    const g = Math.floor(h / (H / KVH));
    const b0 = row - (n - 1);
    for (let j = 0; j < n; j++) {
      const wj = w(j);
      const vj = ((b0 + j) * KVH + g) * hd;
      for (let d = 0; d < hd; d++) tolO[(row * H + h) * hd + d] += rel * wj * Math.abs(x.v[vj + d]);
    }
    tolL[row * H + h] = 2 * U * ((hd + 1) * E + 4 * E + 2 * n + 10 + Math.abs(lse[row * H + h])) + 2 ** -21;
  });
  return { tolO, tolL };
}

async function checkForward(x: AttentionShape, qScale = 1) {
  const g = await testGpu();
  const inp = inputs(x, qScale);
  const T = x.B * x.S;
  const o = poisoned(g, T * x.H * x.hd, 'o');
  const lse = poisoned(g, T * x.H, 'lse');
  await g.run(attentionForward({ ...x, q: g.upload(inp.q), k: g.upload(inp.k), v: g.upload(inp.v), o, lse }));
  const gotO = await g.read(o, Float32Array);
  const gotL = await g.read(lse, Float32Array);
  const want = refAttentionForward(inp);
  const { tolO, tolL } = forwardTolerances(inp, want.lse);
  const ro = worstRatio(gotO, want.o, (i) => tolO[i] + 1e-30);
  expect(ro.ratio, `seed ${seed} o[${ro.at}]: got ${gotO[ro.at]} want ${want.o[ro.at]}`).toBeLessThanOrEqual(1);
  const rl = worstRatio(gotL, want.lse, (i) => tolL[i]);
  expect(rl.ratio, `seed ${seed} lse[${rl.at}]: got ${gotL[rl.at]} want ${want.lse[rl.at]}`).toBeLessThanOrEqual(1);
}

// Sizes: S not a multiple of the 64-position workgroup, B > 1, H/KVH = 1, 2 and 3.
const shapes: AttentionShape[] = [
  { B: 2, S: 37, H: 4, KVH: 2, hd: 8 },
  { B: 3, S: 70, H: 3, KVH: 1, hd: 8 },
  { B: 1, S: 131, H: 2, KVH: 2, hd: 32 },
  { B: 2, S: 45, H: 6, KVH: 2, hd: 32 },
  { B: 2, S: 67, H: 6, KVH: 2, hd: 64 },
  { B: 3, S: 1, H: 2, KVH: 1, hd: 4 },
];

describe(`attention forward (seed ${seed})`, () => {
  for (const x of shapes) {
    it(JSON.stringify(x), () => checkForward(x));
  }
  it('peaky softmax (q scaled by 4): rescaling by new maxima', () => checkForward({ B: 2, S: 50, H: 4, KVH: 2, hd: 32 }, 4));
  it('refuses shapes it does not take', () => {
    const buf = null as unknown as GPUBuffer;
    const io = { q: buf, k: buf, v: buf, o: buf, lse: buf };
    expect(() => attentionForward({ ...io, B: 1, S: 8, H: 3, KVH: 2, hd: 8 })).toThrow(/multiple of KVH/);
    expect(() => attentionForward({ ...io, B: 1, S: 8, H: 2, KVH: 2, hd: 6 })).toThrow(/multiple of 4/);
    expect(() => attentionForward({ ...io, B: 0, S: 8, H: 2, KVH: 2, hd: 8 })).toThrow(/B must be/);
  });
});
