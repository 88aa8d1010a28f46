import { describe, expect, it } from 'vitest';
import {
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  type AttentionShape,
} from '../../ts/ops/attention.js';
import { refAttentionBackward, refAttentionForward, type RefAttentionInputs } from '../../ts/ref/attention.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { poisoned, testGpu, worstRatio } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24; // f32 unit roundoff

/** Fresh inputs in [-1, 1]; q times `qScale` makes the softmax peakier (more rescaling). */
function inputs(
  x: AttentionShape,
  qScale = 1,
): RefAttentionInputs & { q: Float32Array; k: Float32Array; v: Float32Array } {
  const T = x.B * x.S;
  return {
    ...x,
    q: randomArray(T * x.H * x.hd, rand, -qScale, qScale),
    k: randomArray(T * x.KVH * x.hd, rand),
    v: randomArray(T * x.KVH * x.hd, rand),
  };
}

/**
 * Visits each (row, query head) with, from the f64 reference: E = max over its keys of
 * scale Σ_d |q_d k_d| (bounds |score|, and a score's f32 error by (hd + 1) u E), its number of keys
 * n, the first key's row, and the softmax weights P_j = exp(score_j - lse).
 */
function rows(
  x: RefAttentionInputs,
  lse: Float64Array,
  visit: (row: number, h: number, E: number, n: number, key0: number, P: Float64Array) => void,
) {
  const { B, S, H, KVH, hd } = x;
  const scale = 1 / Math.sqrt(hd);
  for (let b = 0; b < B; b++) {
    for (let i = 0; i < S; i++) {
      const row = b * S + i;
      for (let h = 0; h < H; h++) {
        const g = Math.floor(h / (H / KVH));
        const qi = (row * H + h) * hd;
        const P = new Float64Array(i + 1);
        let E = 0;
        for (let j = 0; j <= i; j++) {
          const kj = ((b * S + j) * KVH + g) * hd;
          let abs = 0,
            dot = 0;
          for (let d = 0; d < hd; d++) {
            abs += Math.abs(x.q[qi + d] * x.k[kj + d]);
            dot += x.q[qi + d] * x.k[kj + d];
          }
          E = Math.max(E, abs * scale);
          P[j] = Math.exp(dot * scale - lse[row * H + h]);
        }
        visit(row, h, E, i + 1, b * S, P);
      }
    }
  }
}

/**
 * Forward tolerances from f32 rounding. A score's error is ≤ (hd + 1) u E; exp(x) may be off by
 * (3 + 2|x|) ulp with |x| ≤ 2E (WGSL's accuracy rule); the online sums add ≤ 3n u. Relative errors of
 * the weights are then ≤ u (2 (hd + 1) E + 8E + 3n + 10), and o's error that times Σ_j P_j |v_jd|;
 * we allow twice that. lse = m + log(l): score error, sum error, log's 2^-21 absolute error.
 */
function forwardTolerances(x: RefAttentionInputs, lse: Float64Array) {
  const { H, KVH, hd } = x;
  const tolO = new Float64Array(x.B * x.S * H * hd);
  const tolL = new Float64Array(x.B * x.S * H);
  rows(x, lse, (row, h, E, n, key0, P) => {
    const rel = 2 * U * (2 * (hd + 1) * E + 8 * E + 3 * n + 10);
    const g = Math.floor(h / (H / KVH));
    for (let j = 0; j < n; j++) {
      const vj = ((key0 + j) * KVH + g) * hd;
      for (let d = 0; d < hd; d++) tolO[(row * H + h) * hd + d] += rel * P[j] * Math.abs(x.v[vj + d]);
    }
    tolL[row * H + h] = 2 * U * ((hd + 1) * E + 4 * E + 2 * n + 10 + Math.abs(lse[row * H + h])) + 2 ** -21;
  });
  return { tolO, tolL };
}

/**
 * Backward tolerances from f32 rounding, given the forward's (o, lse, their tolerances). Per pair
 * (query i, key j): P's relative error e_P ≤ score error + lse error + exp's (3 + 2|x|) ulp;
 * dP = dO·v_j is off by ≤ hd u a with a = Σ|dO v_j|; D = dO·o by ≤ hd u b + Σ|dO| tol_o with
 * b = Σ|dO o|; so dS = P (dP - D) is off by ≤ P (e_P (a + b) + (hd + 2) u (a + b) + Σ|dO| tol_o).
 * The sums over m pairs add m u Σ|terms|. We allow twice the result.
 */
function backwardTolerances(
  x: RefAttentionInputs & { dO: ArrayLike<number> },
  o: ArrayLike<number>,
  lse: Float64Array,
) {
  const { B, S, H, KVH, hd } = x;
  const scale = 1 / Math.sqrt(hd);
  const { tolO, tolL } = forwardTolerances(x, lse);
  const tolQ = new Float64Array(B * S * H * hd);
  const tolK = new Float64Array(B * S * KVH * hd);
  const tolV = new Float64Array(B * S * KVH * hd);
  rows(x, lse, (row, h, E, n, key0, P) => {
    const g = Math.floor(h / (H / KVH));
    const qi = (row * H + h) * hd;
    let b = 0,
      dOtolO = 0;
    for (let d = 0; d < hd; d++) {
      b += Math.abs(x.dO[qi + d] * o[qi + d]);
      dOtolO += Math.abs(x.dO[qi + d]) * tolO[qi + d];
    }
    for (let j = 0; j < n; j++) {
      const kj = ((key0 + j) * KVH + g) * hd;
      const m = (H / KVH) * (S - ((key0 + j) % S)); // pairs summed into dk_j, dv_j
      let a = 0;
      for (let d = 0; d < hd; d++) a += Math.abs(x.dO[qi + d] * x.v[kj + d]);
      const xMax = 2 * E + Math.log(n); // ≥ |score - lse|, the argument of exp
      const eP = U * ((hd + 1) * E + 3 + 2 * xMax) + tolL[row * H + h];
      const errS = P[j] * ((eP + (hd + 2) * U) * (a + b) + dOtolO);
      const sizeS = P[j] * (a + b);
      for (let d = 0; d < hd; d++) {
        tolQ[qi + d] += 2 * scale * (errS + (n + 2) * U * sizeS) * Math.abs(x.k[kj + d]);
        tolK[kj + d] += 2 * scale * (errS + (m + 2) * U * sizeS) * Math.abs(x.q[qi + d]);
        tolV[kj + d] += 2 * P[j] * (eP + (m + 1) * U) * Math.abs(x.dO[qi + d]);
      }
    }
  });
  return { tolQ, tolK, tolV };
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

/** GPU forward then backward on fresh inputs; returns the inputs and the three gradients read back. */
async function runBackward(x: AttentionShape, inp: ReturnType<typeof inputs>, dO: Float32Array) {
  const g = await testGpu();
  const T = x.B * x.S;
  const io = {
    q: g.upload(inp.q),
    k: g.upload(inp.k),
    v: g.upload(inp.v),
    o: poisoned(g, T * x.H * x.hd, 'o'),
    lse: poisoned(g, T * x.H, 'lse'),
  };
  const dq = poisoned(g, T * x.H * x.hd, 'dq'),
    dk = poisoned(g, T * x.KVH * x.hd, 'dk'),
    dv = poisoned(g, T * x.KVH * x.hd, 'dv');
  const scratch = poisoned(g, attentionBackwardScratch(x), 'scratch');
  await g.run([
    ...attentionForward({ ...x, ...io }),
    ...attentionBackward({ ...x, ...io, dO: g.upload(dO), dq, dk, dv, scratch }),
  ]);
  return {
    o: await g.read(io.o, Float32Array),
    dq: await g.read(dq, Float32Array),
    dk: await g.read(dk, Float32Array),
    dv: await g.read(dv, Float32Array),
  };
}

async function checkBackward(x: AttentionShape, qScale = 1) {
  const inp = inputs(x, qScale);
  const dO = randomArray(x.B * x.S * x.H * x.hd, rand);
  const got = await runBackward(x, inp, dO);
  const want = refAttentionBackward({ ...inp, dO });
  const { lse } = refAttentionForward(inp);
  const tol = backwardTolerances({ ...inp, dO }, got.o, lse);
  for (const [name, gotG, wantG, t] of [
    ['dq', got.dq, want.dq, tol.tolQ],
    ['dk', got.dk, want.dk, tol.tolK],
    ['dv', got.dv, want.dv, tol.tolV],
  ] as const) {
    const r = worstRatio(gotG, wantG, (i) => t[i] + 1e-30);
    expect(r.ratio, `seed ${seed} ${name}[${r.at}]: got ${gotG[r.at]} want ${wantG[r.at]}`).toBeLessThanOrEqual(1);
  }
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

describe(`attention (seed ${seed})`, () => {
  for (const x of shapes) {
    it(`forward ${JSON.stringify(x)}`, () => checkForward(x));
    it(`backward ${JSON.stringify(x)}`, () => checkBackward(x));
  }
  const peaky = { B: 2, S: 50, H: 4, KVH: 2, hd: 32 };
  it('peaky softmax (q scaled by 4): forward rescales by new maxima; backward', async () => {
    await checkForward(peaky, 4);
    await checkBackward(peaky, 4);
  });
  // The backward entry points decode the grid with the same slot() as the forward.
  it('more than 65535 workgroups (a 2D grid): 65,600 sequences of one token', () =>
    checkForward({ B: 65_600, S: 1, H: 1, KVH: 1, hd: 4 }));
  it('backward is bit-identical from run to run (fixed order, no atomics)', async () => {
    const x = { B: 2, S: 70, H: 6, KVH: 2, hd: 8 };
    const inp = inputs(x);
    const dO = randomArray(x.B * x.S * x.H * x.hd, rand);
    const bits = (r: Awaited<ReturnType<typeof runBackward>>) =>
      [r.dq, r.dk, r.dv].map((a) => [...new Uint32Array(a.buffer)]);
    expect(bits(await runBackward(x, inp, dO))).toEqual(bits(await runBackward(x, inp, dO)));
  });
  it('refuses shapes it does not take', () => {
    const buf = null as unknown as GPUBuffer;
    const io = { q: buf, k: buf, v: buf, o: buf, lse: buf };
    expect(() => attentionForward({ ...io, B: 1, S: 8, H: 3, KVH: 2, hd: 8 })).toThrow(/multiple of KVH/);
    expect(() => attentionForward({ ...io, B: 1, S: 8, H: 2, KVH: 2, hd: 6 })).toThrow(/multiple of 4/);
    expect(() => attentionForward({ ...io, B: 0, S: 8, H: 2, KVH: 2, hd: 8 })).toThrow(/B must be/);
    expect(() =>
      attentionBackward({ ...io, dO: buf, dq: buf, dk: buf, dv: buf, scratch: buf, B: 1, S: 8, H: 2, KVH: 2, hd: 132 }),
    ).toThrow(/at most 128/);
  });
});
