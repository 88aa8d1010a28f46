import { describe, expect, it } from 'vitest';
import { validateGrpoConfig } from '../../ts/rl/config.js';
import { advantages, grpoObjective, zeroSpreadGroups, type ObjectiveOptions } from '../../ts/rl/objective.js';
import { packRollouts } from '../../ts/rl/rollouts.js';
import { centralDifference } from '../util/gradcheck.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const rand = rng(seed);

/** The loss written the plain way, vector by vector (as verl's compute_policy_loss reads). */
function plainLoss(logp: number[], old: number[], ref: number[], adv: number[], seq: number[], o: ObjectiveOptions, entropy: number[] = []): number {
  const ratio = logp.map((l, i) => Math.exp(l - old[i]));
  const pg1 = ratio.map((r, i) => -adv[i] * r);
  const pg2 = ratio.map((r, i) => -adv[i] * Math.min(Math.max(r, 1 - o.epsilon), 1 + o.epsilonHigh));
  let pg = pg1.map((a, i) => Math.max(a, pg2[i]));
  if (o.dualClip > 0) pg = pg.map((p, i) => (adv[i] < 0 ? Math.min(p, -adv[i] * o.dualClip) : p));
  const kl = logp.map((l, i) => Math.exp(ref[i] - l) - (ref[i] - l) - 1);
  const per = pg.map((p, i) => p + o.beta * kl[i] - (o.entropyCoeff ?? 0) * (entropy[i] ?? 0));
  if (o.lossType === 'token-mean') return per.reduce((a, b) => a + b, 0) / per.length;
  const seqs = [...new Set(seq)];
  return seqs.map((s) => {
    const idx = seq.map((x, i) => (x === s ? i : -1)).filter((i) => i >= 0);
    return idx.reduce((a, i) => a + per[i], 0) / idx.length;
  }).reduce((a, b) => a + b, 0) / seqs.length;
}

describe(`GRPO objective (seed ${seed})`, () => {
  const n = 40;
  const seq = Array.from({ length: n }, (_, i) => Math.floor(i / 7));
  const adv = seq.map((s) => [1.3, -0.7, 0.4, -1.9, 0.9, -0.2][s]);
  const old = Array.from({ length: n }, () => -3 * rand());
  // Ratios spread over both clip edges and the dual-clip region.
  const logp = old.map((o) => o + (rand() - 0.5) * 2.4);
  const ref = old.map((o) => o + (rand() - 0.5) * 0.5);
  for (const lossType of ['token-mean', 'seq-mean'] as const) {
    for (const dualClip of [0, 3]) {
      it(`${lossType}, dual clip ${dualClip}: loss equals the plain form and dL/dlogp its finite differences`, () => {
        const o: ObjectiveOptions = { epsilon: 0.2, epsilonHigh: 0.28, dualClip, beta: 0.05, lossType };
        const res = grpoObjective({ logp, oldLogp: old, refLogp: ref, adv, seq }, o);
        expect(res.loss).toBeCloseTo(plainLoss(logp, old, ref, adv, seq, o), 12);
        const x = [...logp];
        for (let i = 0; i < n; i++) {
          const fd = centralDifference(() => plainLoss(x, old, ref, adv, seq, o), x, i, 1e-7);
          expect(Math.abs(res.dlogp[i] - fd), `token ${i}`).toBeLessThan(1e-6);
        }
        expect(res.clipLow + res.clipHigh).toBeGreaterThan(0);
      });
    }
  }
  for (const lossType of ['token-mean', 'seq-mean'] as const) {
    it(`${lossType} with an entropy bonus: loss equals the plain form, -dL/dH its finite differences`, () => {
      const entropy = old.map(() => 3 * rand());
      const o: ObjectiveOptions = { epsilon: 0.2, epsilonHigh: 0.28, dualClip: 3, beta: 0.05, entropyCoeff: 0.01, lossType };
      const res = grpoObjective({ logp, oldLogp: old, refLogp: ref, adv, seq, entropy }, o);
      expect(res.loss).toBeCloseTo(plainLoss(logp, old, ref, adv, seq, o, entropy), 12);
      expect(res.loss).not.toBeCloseTo(plainLoss(logp, old, ref, adv, seq, o), 6); // the bonus counts
      const h = [...entropy];
      for (let i = 0; i < n; i++) {
        const fd = centralDifference(() => plainLoss(logp, old, ref, adv, seq, o, h), h, i, 1e-4); // linear in H: no truncation error
        expect(Math.abs(res.dentropy[i] + fd), `token ${i}`).toBeLessThan(1e-9);
      }
      expect(() => grpoObjective({ logp, oldLogp: old, adv, seq }, o)).toThrow(/entropies/);
      expect(grpoObjective({ logp, oldLogp: old, adv, seq }, { ...o, entropyCoeff: 0 }).dentropy.every((d) => d === 0)).toBe(true);
    });
  }
  it('at ratio 1 (on-policy) the gradient is -A/N per token and nothing is clipped', () => {
    const res = grpoObjective({ logp: old, oldLogp: old, adv, seq }, { epsilon: 0.2, epsilonHigh: 0.2, dualClip: 3, beta: 0, lossType: 'token-mean' });
    res.dlogp.forEach((d, i) => expect(d).toBeCloseTo(-adv[i] / n, 12));
    expect(res.clipLow + res.clipHigh + res.dualClipped).toBe(0);
  });
  it('slices of a mini-batch add up to the whole (shared denominators)', () => {
    const o: ObjectiveOptions = { epsilon: 0.2, epsilonHigh: 0.2, dualClip: 0, beta: 0.01, lossType: 'seq-mean' };
    const whole = grpoObjective({ logp, oldLogp: old, refLogp: ref, adv, seq }, o);
    const cut = 21; // inside sequence 3
    const part = (a: number, b: number) =>
      grpoObjective({ logp: logp.slice(a, b), oldLogp: old.slice(a, b), refLogp: ref.slice(a, b), adv: adv.slice(a, b), seq: seq.slice(a, b) }, { ...o, totalTokens: n, totalSeqs: 6 });
    // seq-mean needs whole sequences per slice: cut at a sequence boundary.
    const a = part(0, 21), b = part(21, n);
    expect(cut % 7).toBe(0);
    expect(a.loss + b.loss).toBeCloseTo(whole.loss, 12);
  });
});

describe('advantages', () => {
  const r = [1, 0, 0, 1, 1, 1, 0.5, 0];
  it('group: (r - mean) / (std + eps) with the unbiased std; none: r - mean; batch: the batch std', () => {
    const g = advantages(r, 4, 'group');
    const m1 = 0.5, s1 = Math.sqrt((4 * 0.25) / 3);
    expect(g[0]).toBeCloseTo((1 - m1) / (s1 + 1e-6), 12);
    const none = advantages(r, 4, 'none');
    expect(none[1]).toBeCloseTo(-0.5, 12);
    const batch = advantages(r, 4, 'batch');
    const mean = r.reduce((a, b) => a + b) / 8, sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 7);
    expect(batch[6]).toBeCloseTo((0.5 - 0.625) / (sd + 1e-6), 12);
    expect(zeroSpreadGroups([1, 1, 1, 0, 0, 1], 3)).toEqual([true, false]);
  });
});

describe('rollout packing and RL config', () => {
  it('puts completion tokens at the positions that predict them', () => {
    const rollouts = [
      { prompt: Int32Array.from([5, 6, 7]), completion: Int32Array.from([8, 9]), logprobs: new Float32Array(2), advantage: 1 },
      { prompt: Int32Array.from([1]), completion: Int32Array.from([2, 3, 4]), logprobs: new Float32Array(3), advantage: -1 },
    ];
    const { batch, positions } = packRollouts(rollouts, 0, 3, 6, 0);
    expect(positions.map((p) => [p.t, p.rollout, p.token])).toEqual([[2, 0, 0], [3, 0, 1], [6, 1, 0], [7, 1, 1], [8, 1, 2]]);
    expect(Array.from(batch.targets.subarray(0, 4))).toEqual([6, 7, 8, 9]);
    expect(Array.from(batch.mask)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('validates with field names', () => {
    expect(() => validateGrpoConfig({ num_generations: 1, epsilon: -1, loss_type: 'mean', ops: [9, 3], foo: 1 })).toThrow(
      /unknown field 'foo'.*ops must be.*num_generations must be an integer >= 2.*epsilon must be.*loss_type must be one of/,
    );
    expect(() => validateGrpoConfig({ prompts_per_step: 10, mini_batch_size: 4 })).toThrow(/multiple of mini_batch_size/);
    expect(validateGrpoConfig({}).num_generations).toBe(6);
    expect(() => validateGrpoConfig([])).toThrow(/RL config must be a JSON object/);
  });
});
