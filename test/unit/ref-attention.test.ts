import { describe, expect, it } from 'vitest';
import type { AttentionShape } from '../../ts/ops/attention.js';
import { refAttentionBackward, refAttentionForward, type RefAttentionInputs } from '../../ts/ref/attention.js';
import { rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);
const randoms = (n: number, amp = 1) => Float64Array.from({ length: n }, () => amp * (2 * rand() - 1));

function inputs(
  x: AttentionShape,
  qAmp = 1,
): RefAttentionInputs & { q: Float64Array; k: Float64Array; v: Float64Array } {
  const T = x.B * x.S;
  return { ...x, q: randoms(T * x.H * x.hd, qAmp), k: randoms(T * x.KVH * x.hd), v: randoms(T * x.KVH * x.hd) };
}

// Σ dO ∘ o: the scalar whose gradient refAttentionBackward returns.
function loss(x: RefAttentionInputs, dO: Float64Array): number {
  const { o } = refAttentionForward(x);
  let s = 0;
  for (let i = 0; i < o.length; i++) s += dO[i] * o[i];
  return s;
}

describe(`attention reference (seed ${seed})`, () => {
  // Every input element, by central differences in f64 (h = 1e-5: truncation ~h², rounding ~1e-16/h).
  for (const [x, qAmp] of [
    [{ B: 2, S: 5, H: 4, KVH: 2, hd: 3 }, 1],
    [{ B: 1, S: 6, H: 3, KVH: 1, hd: 2 }, 3],
    [{ B: 2, S: 4, H: 2, KVH: 2, hd: 4 }, 1],
  ] as [AttentionShape, number][]) {
    it(`backward matches finite differences ${JSON.stringify(x)}, |q| <= ${qAmp}`, () => {
      const inp = inputs(x, qAmp);
      const dO = randoms(x.B * x.S * x.H * x.hd);
      const grads = refAttentionBackward({ ...inp, dO });
      const h = 1e-5;
      for (const [name, arr, grad] of [
        ['q', inp.q, grads.dq],
        ['k', inp.k, grads.dk],
        ['v', inp.v, grads.dv],
      ] as const) {
        for (let i = 0; i < arr.length; i++) {
          const fd = centralDifference(() => loss(inp, dO), arr, i, h);
          expect(Math.abs(grad[i] - fd), `seed ${seed} d${name}[${i}]: ${grad[i]} vs ${fd}`).toBeLessThanOrEqual(
            1e-7 * (1 + Math.abs(fd)),
          );
        }
      }
    });
  }

  it('grouped heads read kv head h / (H/KVH): same as repeating k and v per query head', () => {
    const x = { B: 2, S: 4, H: 6, KVH: 2, hd: 3 };
    const inp = inputs(x);
    const T = x.B * x.S,
      G = x.H / x.KVH;
    // repeat_kv: kv head g serves query heads g*G .. g*G + G - 1.
    const rep = (a: Float64Array) => {
      const out = new Float64Array(T * x.H * x.hd);
      for (let t = 0; t < T; t++)
        for (let h = 0; h < x.H; h++)
          for (let d = 0; d < x.hd; d++) {
            out[(t * x.H + h) * x.hd + d] = a[(t * x.KVH + Math.floor(h / G)) * x.hd + d];
          }
      return out;
    };
    const grouped = refAttentionForward(inp);
    const full = refAttentionForward({ ...x, KVH: x.H, q: inp.q, k: rep(inp.k), v: rep(inp.v) });
    expect([...grouped.o]).toEqual([...full.o]);
    expect([...grouped.lse]).toEqual([...full.lse]);
  });

  it('the first position attends only to itself; sequences do not see each other', () => {
    const x = { B: 2, S: 3, H: 1, KVH: 1, hd: 2 };
    const inp = inputs(x);
    const { o, lse } = refAttentionForward(inp);
    const scale = 1 / Math.sqrt(x.hd);
    for (const b of [0, 1]) {
      const r = b * x.S; // first row of sequence b: o = v_r, lse = its own score
      expect(o[r * 2]).toBeCloseTo(inp.v[r * 2], 14);
      expect(o[r * 2 + 1]).toBeCloseTo(inp.v[r * 2 + 1], 14);
      expect(lse[r]).toBeCloseTo(scale * (inp.q[r * 2] * inp.k[r * 2] + inp.q[r * 2 + 1] * inp.k[r * 2 + 1]), 14);
    }
  });
});
