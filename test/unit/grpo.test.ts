import { describe, expect, it } from 'vitest';
import type { SampleOptions } from '../../ts/model/decoder.js';
import { validateGrpoConfig } from '../../ts/rl/config.js';
import { grpoStep, rolloutShape, type Policy } from '../../ts/rl/grpo.js';
import type { Batch } from '../../ts/model/batch.js';
import { advantages, grpoObjective, zeroSpreadGroups, type ObjectiveOptions } from '../../ts/rl/objective.js';
import { packRollouts } from '../../ts/rl/rollouts.js';
import { centralDifference } from '../util/gradcheck.js';
import { rng, testSeed } from '../util/random.js';

const seed = testSeed();
const rand = rng(seed);

/** The loss written the plain way, vector by vector (as verl's compute_policy_loss reads). */
function plainLoss(
  logp: number[],
  old: number[],
  ref: number[],
  adv: number[],
  seq: number[],
  o: ObjectiveOptions,
  entropy: number[] = [],
): number {
  const ratio = logp.map((l, i) => Math.exp(l - old[i]));
  const pg1 = ratio.map((r, i) => -adv[i] * r);
  const pg2 = ratio.map((r, i) => -adv[i] * Math.min(Math.max(r, 1 - o.epsilon), 1 + o.epsilonHigh));
  let pg = pg1.map((a, i) => Math.max(a, pg2[i]));
  if (o.dualClip > 0) pg = pg.map((p, i) => (adv[i] < 0 ? Math.min(p, -adv[i] * o.dualClip) : p));
  const kl = logp.map((l, i) => Math.exp(ref[i] - l) - (ref[i] - l) - 1);
  const per = pg.map((p, i) => p + o.beta * kl[i] - (o.entropyCoeff ?? 0) * (entropy[i] ?? 0));
  if (o.lossType === 'dapo') return per.reduce((a, b) => a + b, 0) / per.length;
  const seqs = [...new Set(seq)];
  return (
    seqs
      .map((s) => {
        const idx = seq.map((x, i) => (x === s ? i : -1)).filter((i) => i >= 0);
        return idx.reduce((a, i) => a + per[i], 0) / idx.length;
      })
      .reduce((a, b) => a + b, 0) / seqs.length
  );
}

describe(`GRPO objective (seed ${seed})`, () => {
  const n = 40;
  const seq = Array.from({ length: n }, (_, i) => Math.floor(i / 7));
  const adv = seq.map((s) => [1.3, -0.7, 0.4, -1.9, 0.9, -0.2][s]);
  const old = Array.from({ length: n }, () => -3 * rand());
  // Ratios spread over both clip edges and the dual-clip region.
  const logp = old.map((o) => o + (rand() - 0.5) * 2.4);
  const ref = old.map((o) => o + (rand() - 0.5) * 0.5);
  for (const lossType of ['dapo', 'grpo'] as const) {
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
  for (const lossType of ['dapo', 'grpo'] as const) {
    it(`${lossType} with an entropy bonus: loss equals the plain form, -dL/dH its finite differences`, () => {
      const entropy = old.map(() => 3 * rand());
      const o: ObjectiveOptions = {
        epsilon: 0.2,
        epsilonHigh: 0.28,
        dualClip: 3,
        beta: 0.05,
        entropyCoeff: 0.01,
        lossType,
      };
      const res = grpoObjective({ logp, oldLogp: old, refLogp: ref, adv, seq, entropy }, o);
      expect(res.loss).toBeCloseTo(plainLoss(logp, old, ref, adv, seq, o, entropy), 12);
      expect(res.loss).not.toBeCloseTo(plainLoss(logp, old, ref, adv, seq, o), 6); // the bonus counts
      const h = [...entropy];
      for (let i = 0; i < n; i++) {
        const fd = centralDifference(() => plainLoss(logp, old, ref, adv, seq, o, h), h, i, 1e-4); // linear in H: no truncation error
        expect(Math.abs(res.dentropy[i] + fd), `token ${i}`).toBeLessThan(1e-9);
      }
      expect(() => grpoObjective({ logp, oldLogp: old, adv, seq }, o)).toThrow(/entropies/);
      expect(
        grpoObjective({ logp, oldLogp: old, adv, seq }, { ...o, entropyCoeff: 0 }).dentropy.every((d) => d === 0),
      ).toBe(true);
    });
  }
  it('at ratio 1 (on-policy) the gradient is -A/N per token and nothing is clipped', () => {
    const res = grpoObjective(
      { logp: old, oldLogp: old, adv, seq },
      { epsilon: 0.2, epsilonHigh: 0.2, dualClip: 3, beta: 0, lossType: 'dapo' },
    );
    res.dlogp.forEach((d, i) => expect(d).toBeCloseTo(-adv[i] / n, 12));
    expect(res.clipLow + res.clipHigh + res.dualClipped).toBe(0);
  });
  it('slices of a mini-batch add up to the whole (shared denominators)', () => {
    const o: ObjectiveOptions = { epsilon: 0.2, epsilonHigh: 0.2, dualClip: 0, beta: 0.01, lossType: 'grpo' };
    const whole = grpoObjective({ logp, oldLogp: old, refLogp: ref, adv, seq }, o);
    const cut = 21; // inside sequence 3
    const part = (a: number, b: number) =>
      grpoObjective(
        {
          logp: logp.slice(a, b),
          oldLogp: old.slice(a, b),
          refLogp: ref.slice(a, b),
          adv: adv.slice(a, b),
          seq: seq.slice(a, b),
        },
        { ...o, totalTokens: n, totalSeqs: 6 },
      );
    // grpo needs whole sequences per slice: cut at a sequence boundary.
    const a = part(0, 21),
      b = part(21, n);
    expect(cut % 7).toBe(0);
    expect(a.loss + b.loss).toBeCloseTo(whole.loss, 12);
  });
});

describe('advantages', () => {
  const r = [1, 0, 0, 1, 1, 1, 0.5, 0];
  it('group: (r - mean) / (std + eps) with the unbiased std; none: r - mean; batch: the batch std', () => {
    const g = advantages(r, 4, 'group');
    const m1 = 0.5,
      s1 = Math.sqrt((4 * 0.25) / 3);
    expect(g[0]).toBeCloseTo((1 - m1) / (s1 + 1e-6), 12);
    const none = advantages(r, 4, 'none');
    expect(none[1]).toBeCloseTo(-0.5, 12);
    const batch = advantages(r, 4, 'batch');
    const mean = r.reduce((a, b) => a + b) / 8,
      sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 7);
    expect(batch[6]).toBeCloseTo((0.5 - 0.625) / (sd + 1e-6), 12);
    expect(zeroSpreadGroups([1, 1, 1, 0, 0, 1], 3)).toEqual([true, false]);
  });
});

describe('rollout packing and RL config', () => {
  it('puts completion tokens at the positions that predict them', () => {
    const rollouts = [
      {
        prompt: Int32Array.from([5, 6, 7]),
        completion: Int32Array.from([8, 9]),
        logprobs: new Float32Array(2),
        advantage: 1,
      },
      {
        prompt: Int32Array.from([1]),
        completion: Int32Array.from([2, 3, 4]),
        logprobs: new Float32Array(3),
        advantage: -1,
      },
    ];
    const { batch, positions } = packRollouts(rollouts, 0, 3, 6, 0);
    expect(positions.map((p) => [p.t, p.rollout, p.token])).toEqual([
      [2, 0, 0],
      [3, 0, 1],
      [6, 1, 0],
      [7, 1, 1],
      [8, 1, 2],
    ]);
    expect(Array.from(batch.targets.subarray(0, 4))).toEqual([6, 7, 8, 9]);
    expect(Array.from(batch.mask)).toEqual([0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });
  it('validates with field names', () => {
    expect(() =>
      validateGrpoConfig({ num_generations: 1, epsilon: -1, loss_type: 'mean', ops: [9, 3], foo: 1 }),
    ).toThrow(
      /unknown field 'foo'.*ops must be.*num_generations must be an integer >= 2.*epsilon must be.*loss_type must be one of/,
    );
    expect(() => validateGrpoConfig({ prompts_per_step: 10, ppo_mini_batch_size: 4 })).toThrow(
      /multiple of ppo_mini_batch_size/,
    );
    expect(validateGrpoConfig({}).num_generations).toBe(6);
    expect(() => validateGrpoConfig([])).toThrow(/RL config must be a JSON object/);
  });
});

/**
 * A scripted policy for grpoStep: completion token ids are distinct, and each has a log-probability
 * per policy version (the number of updates applied so far); sample() serves the scripted
 * completions in order; policyGradient() accumulates its weights by target id until applyUpdate().
 */
class FakePolicy implements Policy {
  version = 0;
  served = 0;
  readonly log: string[] = [];
  readonly sampled: SampleOptions[] = [];
  readonly scales: number[] = [];
  /** Target ids of the counted positions of every batch tokenLogprobs saw, and the rows' lengths. */
  readonly seen = new Set<number>();
  readonly rows: number[] = [];
  private grad = new Map<number, number>();
  /** The accumulated weights at each applyUpdate. */
  readonly updates: Map<number, number>[] = [];
  constructor(
    readonly shape: { batch: number; seqLen: number },
    private readonly completions: number[][],
    private readonly logp: (id: number, version: number) => number,
    readonly decodeBatch = 64,
  ) {}
  async sample(prompts: Int32Array[], o: SampleOptions) {
    this.log.push('sample');
    this.sampled.push(o);
    const tokens = this.completions.slice(this.served, (this.served += prompts.length * (o.group ?? 1)));
    return {
      tokens: tokens.map((c) => Int32Array.from(c)),
      logprobs: tokens.map((c) => Float32Array.from(c, (id) => this.logp(id, 0))),
    };
  }
  async tokenLogprobs(b: Batch, logitScale: number) {
    this.log.push('logprobs');
    this.scales.push(logitScale);
    this.rows.push(b.ids.length / this.shape.batch);
    const counted = (t: number) => b.mask[t] > 0;
    b.targets.forEach((id, t) => counted(t) && this.seen.add(id));
    // Entropy id/100 + version: the metric must come from the first pass (version 0) only.
    return {
      logp: Float32Array.from(b.targets, (id, t) => (counted(t) ? this.logp(id, this.version) : 0)),
      entropy: Float32Array.from(b.targets, (id, t) => (counted(t) ? id / 100 + this.version : 0)),
    };
  }
  async policyGradient(b: Batch, weights: Float32Array) {
    this.log.push('grad');
    b.targets.forEach((id, t) => b.mask[t] > 0 && this.grad.set(id, (this.grad.get(id) ?? 0) + weights[t]));
  }
  async zeroGrads() {
    this.log.push('zero');
    this.grad = new Map();
  }
  async applyUpdate() {
    this.log.push('update');
    this.updates.push(this.grad);
    this.version++;
    return { gradNorm: Math.hypot(...this.grad.values()) };
  }
}

describe('grpoStep with a scripted policy (hand-computed)', () => {
  // Prompt 0's rollouts [10] and [20 21 22] score 1 and 0; prompt 1's [30 31 32] and [40] both 1.
  const completions = [[10], [20, 21, 22], [30, 31, 32], [40]];
  const rewards = [
    [1, 0],
    [1, 1],
  ];
  const prompts = [Int32Array.from([1, 2]), Int32Array.from([3])];
  // Group advantages: ±0.5 / (unbiased std sqrt(0.5) + 1e-6) in group 0, 0 in group 1.
  const A = 0.5 / (Math.SQRT1_2 + 1e-6);
  const old = (id: number) => -0.5 - 0.1 * (id % 7);
  // After the first update: ratios 1.5 (A > 0: clipped high), 0.5 (A < 0: clipped low), 4 (A < 0:
  // dual-clipped at 3), 1.1 (A < 0: inside the range); group 1's tokens unchanged.
  const ratio1: Record<number, number> = { 10: 1.5, 20: 0.5, 21: 4, 22: 1.1 };
  const logp = (id: number, version: number) => old(id) + (version ? Math.log(ratio1[id] ?? 1) : 0);
  const run = async (set: Record<string, unknown>, batch: number, reference?: Pick<Policy, 'tokenLogprobs'>) => {
    const cfg = validateGrpoConfig({
      prompts_per_step: 2,
      num_generations: 2,
      ppo_mini_batch_size: 2,
      temperature: 0.8,
      top_k: 7,
      top_p: 0.9,
      max_completion_length: 3,
      epsilon: 0.2,
      epsilon_high: 0.2,
      clip_ratio_c: 3,
      beta: 0,
      ...set,
    });
    const policy = new FakePolicy({ batch, seqLen: 6 }, completions, logp);
    const scored: number[][][] = [];
    const score = async (i: number, c: Int32Array[]) => {
      scored.push(c.map((x) => Array.from(x)));
      return rewards[i].map((reward) => ({ reward, outcome: reward }));
    };
    const updates = { n: 3 };
    const m = await grpoStep(policy, reference, cfg, { prompts, score, step: 1, seed: 5, updates }, 0, 99, 1e-3);
    return { m, policy, scored, updates };
  };
  const close = (got: Map<number, number>, want: Record<number, number>) => {
    expect([...got.keys()].sort()).toEqual(Object.keys(want).map(Number).sort());
    // The head's weights and log-probabilities are f32.
    for (const [id, w] of Object.entries(want))
      expect(Math.abs(got.get(Number(id))! - w), `token ${id}`).toBeLessThan(1e-7);
  };

  it('dapo over two PPO epochs: weights, clip fractions and loss; sampling settings reach the sampler', async () => {
    const refCalls: number[] = [];
    const reference = {
      tokenLogprobs: async (b: Batch) => (
        refCalls.push(1),
        { logp: new Float32Array(b.mask.length), entropy: new Float32Array(b.mask.length) }
      ),
    };
    const { m, policy, scored, updates } = await run({ num_iterations: 2 }, 1, reference);
    expect(policy.sampled).toEqual([
      { maxNew: 3, stopId: 99, temperature: 0.8, topK: 7, topP: 0.9, seed: 5 * 1_000_003, group: 2 },
    ]);
    expect(scored).toEqual([completions.slice(0, 2), completions.slice(2)]);
    expect(policy.scales.every((s) => s === 1 / 0.8)).toBe(true);
    expect(refCalls).toEqual([]); // beta 0: no reference pass
    // One rollout per micro-batch: 4 micro-batches, then an update, per epoch.
    const epoch = ['zero', ...Array(4).fill(['logprobs', 'grad']).flat(), 'update'];
    expect(policy.log).toEqual(['sample', ...epoch, ...epoch]);
    expect(updates.n).toBe(5);
    // Epoch 1 is on-policy (ratio 1): w = A / 8 tokens. Epoch 2: only token 22 is unclipped, w = A r / 8.
    close(policy.updates[0], { 10: A / 8, 20: -A / 8, 21: -A / 8, 22: -A / 8, 30: 0, 31: 0, 32: 0, 40: 0 });
    close(policy.updates[1], { 10: 0, 20: 0, 21: 0, 22: (-A * 1.1) / 8, 30: 0, 31: 0, 32: 0, 40: 0 });
    expect(m.clip_frac_high).toBeCloseTo(1 / 16, 12);
    expect(m.clip_frac_low).toBeCloseTo(1 / 16, 12);
    expect(m.dual_clip_frac).toBeCloseTo(1 / 16, 12);
    expect(m.kl).toBe(0);
    // Epoch 1: sum of -A over tokens / 8 = (-A + 3A) / 8. Epoch 2: -1.2A (10) + 0.8A (20) + 3A (21) + 1.1A (22), / 8.
    expect(m.loss).toBeCloseTo(((2 * A) / 8 + (3.7 * A) / 8) / 2, 7);
    expect(m.grad_norm).toBeCloseTo((A * 1.1) / 8, 7);
    expect(m.entropy).toBeCloseTo((10 + 20 + 21 + 22 + 30 + 31 + 32 + 40) / 800, 6); // first pass only
    expect(m).toMatchObject({
      step: 1,
      reward_mean: 0.75,
      frac_zero_std_groups: 0.5,
      groups_used: 2,
      completion_len_mean: 2,
      completion_len_max: 3,
      truncation_rate: 1,
    });
    expect(m.reward_std).toBeCloseTo(Math.sqrt(0.1875), 12);
  });

  it('one update per PPO mini-batch, each with its own token count', async () => {
    const { policy } = await run({ ppo_mini_batch_size: 1 }, 4);
    expect(policy.log).toEqual(['sample', 'zero', 'logprobs', 'grad', 'update', 'zero', 'logprobs', 'grad', 'update']);
    close(policy.updates[0], { 10: A / 4, 20: -A / 4, 21: -A / 4, 22: -A / 4 });
    close(policy.updates[1], { 30: 0, 31: 0, 32: 0, 40: 0 });
  });

  it('grpo loss_type with k3 KL and dynamic sampling: the same weights whatever the micro-batch size', async () => {
    // Reference log-probabilities ln 2, -ln 2, 0 and ln 2 above the policy's on prompt 0's tokens.
    const d: Record<number, number> = { 10: Math.LN2, 20: -Math.LN2, 21: 0, 22: Math.LN2 };
    const refScales: number[] = [];
    const reference = {
      tokenLogprobs: async (b: Batch, scale: number) => {
        refScales.push(scale);
        return {
          logp: Float32Array.from(b.targets, (id, t) => (b.mask[t] ? old(id) + (d[id] ?? 0) : 0)),
          entropy: new Float32Array(b.mask.length),
        };
      },
    };
    for (const batch of [1, 2, 4]) {
      const { m, policy } = await run({ loss_type: 'grpo', dynamic_sampling: true, beta: 0.1 }, batch, reference);
      // Group 1 has zero spread: its rollouts never reach the update.
      expect([...policy.seen].sort()).toEqual([10, 20, 21, 22]);
      expect(m.groups_used).toBe(1);
      expect(m.frac_zero_std_groups).toBe(0.5);
      // Two sequences: weight 1/(2*1) for [10], 1/(2*3) for [20 21 22]; dL/dlogp per token is
      // -A + beta (1 - e^d), and the head's weight is its negative.
      close(policy.updates[0], { 10: (A + 0.1) / 2, 20: -(A + 0.05) / 6, 21: -A / 6, 22: -(A - 0.1) / 6 });
      // k3 = e^d - d - 1: 1 - ln 2, ln 2 - 1/2, 0, 1 - ln 2; its mean over the 4 tokens.
      expect(m.kl).toBeCloseTo((2 * (1 - Math.LN2) + Math.LN2 - 0.5) / 4, 6);
      expect(m.loss).toBeCloseTo((-A + 0.1 * (1 - Math.LN2)) / 2 + (3 * A + 0.1 * 0.5) / 6, 6);
    }
    expect(refScales.every((s) => s === 1 / 0.8)).toBe(true);
  });

  it('max_prompt_length: rows of max_prompt_length + max_completion_length, a prompt of exactly that length fits', async () => {
    expect(rolloutShape({ max_prompt_length: 6, max_completion_length: 4 }, 128)).toEqual({ seqLen: 10, maxPrompt: 6 });
    // The context caps the rows, and the prompt with them.
    expect(rolloutShape({ max_prompt_length: 6, max_completion_length: 4 }, 8)).toEqual({ seqLen: 8, maxPrompt: 4 });
    expect(() => rolloutShape({ max_prompt_length: 6, max_completion_length: 7 }, 8)).toThrow(/no room for a prompt/);
    const { seqLen, maxPrompt } = rolloutShape({ max_prompt_length: 6, max_completion_length: 4 }, 128);
    const cfg = validateGrpoConfig({
      prompts_per_step: 1,
      num_generations: 2,
      ppo_mini_batch_size: 1,
      max_prompt_length: 6,
      max_completion_length: 4,
    });
    const policy = new FakePolicy({ batch: 2, seqLen }, [[10, 11, 12, 13], [20]], (id) => -1 - id / 100);
    const prompt = Int32Array.from({ length: maxPrompt }, (_, i) => i + 1);
    const score = async () => [
      { reward: 1, outcome: 1 },
      { reward: 0, outcome: 0 },
    ];
    await grpoStep(
      policy,
      undefined,
      cfg,
      { prompts: [prompt], score, step: 1, seed: 1, updates: { n: 0 } },
      0,
      99,
      1e-3,
    );
    expect(policy.rows).toEqual([seqLen]);
    expect([...policy.seen].sort()).toEqual([10, 11, 12, 13, 20]); // every completion token is trained on
  });
});
