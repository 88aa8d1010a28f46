// GRPO end to end on a toy task a tiny model cannot solve by chance: from one start token, write
// the token 7 four times (chance ~1/61 per token). GRPO must lift the mean reward from chance to
// >= 0.9 within a bounded number of steps on the CPU adapter.
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { Model } from '../../ts/model/model.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { validateGrpoConfig } from '../../ts/rl/config.js';
import { grpoStep } from '../../ts/rl/grpo.js';
import { testGpu } from './setup.js';

describe('GRPO', () => {
  it('lifts a toy task from chance to a mean reward >= 0.9', async () => {
    const g = await testGpu();
    const V = 61, TARGET = 7, LEN = 4;
    const config = preset('tiny', V);
    const hyper = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0, clip: 1 };
    const policy = await Model.create(g, config, { params: initParams(config, paramLayout(config), 3) }, { batch: 16, seqLen: 8, decodeBatch: 64 }, hyper);
    const cfg = validateGrpoConfig({
      prompts_per_step: 8, num_generations: 8, mini_batch_size: 8, micro_batch_size: 16, learning_rate: 3e-3, beta: 0,
      max_completion_length: LEN, temperature: 1, scale_rewards: 'group', loss_type: 'token-mean',
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
      const m = await grpoStep(policy, undefined, cfg, { prompts, score, step, seed: step, updates }, 0, -1, cfg.learning_rate);
      rewards.push(m.reward_mean);
      if (rewards.length >= 2 && rewards.slice(-2).every((r) => r >= 0.9)) break;
    }
    process.stderr.write(`[grpo toy] mean reward by step: ${rewards.map((r) => r.toFixed(2)).join(' ')}\n`);
    expect(rewards[0]).toBeLessThan(0.15); // starts at chance
    expect(rewards[rewards.length - 1], `rewards by step: ${rewards.map((r) => r.toFixed(2)).join(' ')}`).toBeGreaterThanOrEqual(0.9);
  }, 300_000);
});
