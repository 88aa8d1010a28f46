import { describe, expect, it } from 'vitest';
import { groupTokensById } from '../../ts/ops/embedding.js';
import { refEmbedding, refEmbeddingBackward } from '../../ts/ref/embedding.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { centralDifference } from '../util/gradcheck.js';

const seed = testSeed();
const rand = rng(seed);

describe(`embedding reference (seed ${seed})`, () => {
  const V = 7,
    D = 5,
    T = 13;
  const ids = Array.from({ length: T }, () => Math.floor(rand() * (V - 1))); // id V-1 unused: its gradient is 0

  it('backward equals central finite differences of the forward (f64)', () => {
    const table = Float64Array.from(randomArray(V * D, rand));
    const r = randomArray(T * D, rand); // loss = Σ r ⊙ out, so dOut = r
    const loss = (e: Float64Array) => refEmbedding(ids, e, D).reduce((s, v, i) => s + v * r[i], 0);
    const grad = refEmbeddingBackward(ids, r, V, D);
    const h = 1e-6;
    for (let i = 0; i < V * D; i++) {
      expect(Math.abs(centralDifference(() => loss(table), table, i, h) - grad[i]), `element ${i}`).toBeLessThan(1e-8);
    }
    expect(Array.from(grad.subarray((V - 1) * D)).every((v) => v === 0)).toBe(true);
  });

  it('accumulates onto a prior gradient', () => {
    const r = randomArray(T * D, rand),
      prior = randomArray(V * D, rand);
    const fresh = refEmbeddingBackward(ids, r, V, D);
    const acc = refEmbeddingBackward(ids, r, V, D, prior);
    acc.forEach((v, i) => expect(v).toBeCloseTo(fresh[i] + prior[i], 12));
  });

  it('groupTokensById lists every token once, under its id, in ascending position', () => {
    const { offsets, positions } = groupTokensById(ids, V);
    expect(offsets[0]).toBe(0);
    expect(offsets[V]).toBe(T);
    expect([...positions].sort((a, b) => a - b)).toEqual(Array.from({ length: T }, (_, t) => t));
    for (let v = 0; v < V; v++) {
      const group = [...positions.subarray(offsets[v], offsets[v + 1])];
      expect(group.every((t) => ids[t] === v)).toBe(true);
      expect(group).toEqual([...group].sort((a, b) => a - b));
    }
  });

  it('groupTokensById refuses ids outside [0, V)', () => {
    expect(() => groupTokensById([0, 7], 7)).toThrow(/token 1 has id 7/);
    expect(() => groupTokensById([-1], 7)).toThrow(/outside/);
  });
});
