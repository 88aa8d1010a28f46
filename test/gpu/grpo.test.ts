// GRPO end to end on a toy task a tiny model cannot solve by chance: from one start token, write
// the token 7 four times (chance ~1/61 per token). GRPO must lift the mean reward from chance to
// >= 0.9 within a bounded number of steps on the CPU adapter.
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { TrainingModel } from '../../ts/model/training.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { validateGrpoConfig } from '../../ts/rl/config.js';
import { grpoStep } from '../../ts/rl/grpo.js';
import { testGpu } from './setup.js';

describe('GRPO', () => {
  it("tokenLogprobs gives each token's full-distribution entropy, and the entropy bonus raises it", async () => {
    const g = await testGpu();
    const V = 61,
      B = 4,
      S = 8,
      T = B * S;
    const config = preset('tiny', V);
    const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0, clip: 1 };
    const model = new TrainingModel(
      g,
      config,
      { params: initParams(config, paramLayout(config), 5) },
      { batch: B, seqLen: S },
      hyper,
    );
    const ids = Uint32Array.from({ length: T }, (_, i) => (i * 17 + 3) % V);
    const batch = { ids, targets: Uint32Array.from(ids, (t) => (t * 5 + 1) % V), mask: new Float32Array(T).fill(1) };
    batch.mask[5] = 0; // masked: entropy 0
    const scale = 1.7; // policies sampled at temperature 1/scale
    const { entropy } = await model.tokenLogprobs(batch, scale);
    const logits = await model.logits(batch);
    const rows = logits.length / T;
    for (let t = 0; t < T; t++) {
      if (t === 5) {
        expect(entropy[t]).toBe(0);
        continue;
      }
      const z = Array.from(logits.subarray(t * rows, t * rows + V), (x) => x * scale);
      const m = Math.max(...z),
        sum = z.reduce((a, x) => a + Math.exp(x - m), 0);
      const h = -z.reduce((a, x) => a + (Math.exp(x - m) / sum) * (x - m - Math.log(sum)), 0);
      expect(Math.abs(entropy[t] - h), `token ${t}`).toBeLessThan(1e-5 * Math.max(1, h));
    }
    const before = entropy.reduce((a, x) => a + x, 0);
    // A pure bonus (policy-gradient weights 0) for a few steps: the mean entropy must rise.
    for (let step = 1; step <= 3; step++) {
      await model.zeroGrads();
      await model.tokenLogprobs(batch, scale);
      await model.policyGradient(batch, new Float32Array(T), scale, new Float32Array(T).fill(1 / T));
      await model.applyUpdate(1e-2, step);
    }
    const after = (await model.tokenLogprobs(batch, scale)).entropy.reduce((a, x) => a + x, 0);
    expect(after).toBeGreaterThan(before);
  });

  it('rollouts follow top_k and top_p: at top_k 1 or a tiny top_p every rollout is the greedy one', async () => {
    const g = await testGpu();
    const V = 61,
      LEN = 6;
    const config = preset('tiny', V);
    const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0, clip: 1 };
    // Init-scale weights: near-uniform next-token distributions, so unfiltered rollouts at T = 1.5 differ.
    const policy = new TrainingModel(
      g,
      config,
      { params: initParams(config, paramLayout(config), 9) },
      { batch: 8, seqLen: 8, decodeBatch: 8 },
      hyper,
    );
    const prompts = [Int32Array.from([1, 5]), Int32Array.from([2])];
    const greedy = (await policy.greedy(prompts, LEN, -1)).map((t) => Array.from(t));
    const rollouts = async (set: Record<string, unknown>) => {
      const cfg = validateGrpoConfig({
        prompts_per_step: 2,
        num_generations: 4,
        ppo_mini_batch_size: 2,
        learning_rate: 0,
        beta: 0,
        max_completion_length: LEN,
        temperature: 1.5,
        ...set,
      });
      const seen: number[][][] = [];
      const score = async (_i: number, completions: Int32Array[]) => {
        seen.push(completions.map((c) => Array.from(c)));
        return completions.map((_, j) => ({ reward: j % 2, outcome: 0 }));
      };
      await grpoStep(policy, undefined, cfg, { prompts, score, step: 1, seed: 3, updates: { n: 0 } }, 0, -1, 0);
      return seen;
    };
    for (const filter of [{ top_k: 1 }, { top_p: 1e-6 }]) {
      expect(await rollouts(filter), JSON.stringify(filter)).toEqual(greedy.map((c) => Array(4).fill(c)));
    }
    // Unfiltered, a group's rollouts differ (so the filters above are what made them greedy).
    for (const group of await rollouts({})) expect(new Set(group.map((c) => c.join())).size).toBeGreaterThan(1);
  });

  it('lifts a toy task from chance to a mean reward >= 0.9', async () => {
    const g = await testGpu();
    const V = 61,
      TARGET = 7,
      LEN = 4;
    const config = preset('tiny', V);
    const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0, clip: 1 };
    const policy = new TrainingModel(
      g,
      config,
      { params: initParams(config, paramLayout(config), 3) },
      { batch: 16, seqLen: 8, decodeBatch: 64 },
      hyper,
    );
    const cfg = validateGrpoConfig({
      prompts_per_step: 8,
      num_generations: 8,
      ppo_mini_batch_size: 8,
      per_device_train_batch_size: 16,
      learning_rate: 3e-3,
      beta: 0,
      max_completion_length: LEN,
      temperature: 1,
      scale_rewards: 'group',
      loss_type: 'dapo',
    });
    const prompts = Array.from({ length: cfg.prompts_per_step }, () => Int32Array.from([1]));
    const score = async (_i: number, completions: Int32Array[]) =>
      completions.map((c) => {
        const reward = Array.from(c).filter((t) => t === TARGET).length / LEN;
        return { reward, outcome: reward === 1 ? 1 : 0 };
      });
    const updates = { n: 0 };
    const rewards: number[] = [];
    for (let step = 1; step <= 60; step++) {
      const m = await grpoStep(
        policy,
        undefined,
        cfg,
        { prompts, score, step, seed: step, updates },
        0,
        -1,
        cfg.learning_rate,
      );
      rewards.push(m.reward_mean);
      if (rewards.length >= 2 && rewards.slice(-2).every((r) => r >= 0.9)) break;
    }
    process.stderr.write(`[grpo toy] mean reward by step: ${rewards.map((r) => r.toFixed(2)).join(' ')}\n`);
    expect(rewards[0]).toBeLessThan(0.15); // starts at chance
    expect(
      rewards[rewards.length - 1],
      `rewards by step: ${rewards.map((r) => r.toFixed(2)).join(' ')}`,
    ).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
