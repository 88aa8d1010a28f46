// One GRPO step: sample num_generations completions per prompt, score them, compute group
// advantages, and update the policy with the clipped objective (+ k3 KL to a frozen reference)
// over PPO mini-batches. The gradient reaches the weights through the LM head: the objective's
// derivative by each token's log-probability becomes that token's weight in the cross-entropy
// backward (ts/model/training.ts policyGradient).
import type { SampleOptions } from '../model/decoder.js';
import type { Batch } from '../model/batch.js';
import type { GrpoConfig } from './config.js';
import { advantages, grpoObjective, zeroSpreadGroups } from './objective.js';
import { packRollouts, type Rollout } from './rollouts.js';

/** What GRPO needs from a model (ts/model/training.ts implements it; the reference needs only tokenLogprobs). */
export interface Policy {
  /** Rows per training micro-batch and their length. */
  readonly shape: { batch: number; seqLen: number };
  /** Sequences the sampler decodes at once. */
  readonly decodeBatch: number;
  sample(prompts: Int32Array[], o: SampleOptions): Promise<{ tokens: Int32Array[]; logprobs: Float32Array[] }>;
  tokenLogprobs(b: Batch, logitScale: number): Promise<{ logp: Float32Array; entropy: Float32Array }>;
  policyGradient(b: Batch, weights: Float32Array, logitScale: number, entropyWeights?: Float32Array): Promise<void>;
  zeroGrads(): Promise<void>;
  applyUpdate(lr: number, step: number): Promise<{ gradNorm: number }>;
}

/** The reward of one completion; `process` and `processCorrect` are absent for rewards without them. */
export interface Scored {
  reward: number;
  outcome: number;
  process?: number;
  processCorrect?: boolean;
}

export interface StepInput {
  prompts: Int32Array[];
  /** Scores the g completions of prompt i. */
  score(i: number, completions: Int32Array[]): Promise<Scored[]>;
  /** This RL step (from 1) and its sampling seed. */
  step: number;
  seed: number;
  /** Optimizer steps taken so far (several per RL step with several mini-batches); advanced here. */
  updates: { n: number };
  /** Told each sampler call's completions (StageObserver.sampled). */
  sampled?(completions: readonly Int32Array[]): void;
}

export interface StepMetrics {
  step: number;
  reward_mean: number;
  reward_std: number;
  outcome_mean: number;
  process_mean: number | null;
  frac_zero_std_groups: number;
  groups_used: number;
  clip_frac_low: number;
  clip_frac_high: number;
  dual_clip_frac: number;
  kl: number;
  /** Mean entropy of the policy's next-token distribution (at the sampling temperature) over the completion tokens, from the first update pass. */
  entropy: number;
  completion_len_mean: number;
  completion_len_max: number;
  truncation_rate: number;
  /** Answer right but process not (strictly) right. */
  reward_hacking_rate: number | null;
  grad_norm: number;
  loss: number;
}

/**
 * The update's row length and the longest prompt a step takes (TRL max_prompt_length): rows hold
 * max_prompt_length + max_completion_length tokens, at most the model's context; a prompt fits when
 * it and a completion of max_completion_length tokens fill at most seqLen tokens (so the decoder's
 * context holds them too).
 */
export function rolloutShape(
  cfg: Pick<GrpoConfig, 'max_prompt_length' | 'max_completion_length'>,
  context: number,
): { seqLen: number; maxPrompt: number } {
  const seqLen = Math.min(context, cfg.max_prompt_length + cfg.max_completion_length);
  if (seqLen <= cfg.max_completion_length + 1) {
    throw new Error(
      `RL: max_completion_length ${cfg.max_completion_length} leaves no room for a prompt in the context of ${seqLen}`,
    );
  }
  return { seqLen, maxPrompt: seqLen - cfg.max_completion_length };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

export async function grpoStep(
  policy: Policy,
  reference: Pick<Policy, 'tokenLogprobs'> | undefined,
  cfg: GrpoConfig,
  input: StepInput,
  pad: number,
  stopId: number,
  lr: number,
): Promise<StepMetrics> {
  const g = cfg.num_generations;
  const S = policy.shape.seqLen;
  // Rollouts: g per prompt (each prompt prefilled once and continued g times), as many prompts at
  // once as the decoder holds; rollout p*g + j is prompt p's j-th.
  const expanded = input.prompts.flatMap((p) => Array.from({ length: g }, () => p));
  const completions: Int32Array[] = [];
  const oldLogp: Float32Array[] = [];
  const perCall = Math.max(1, Math.floor(policy.decodeBatch / g));
  for (let i = 0; i < input.prompts.length; i += perCall) {
    const out = await policy.sample(input.prompts.slice(i, i + perCall), {
      maxNew: cfg.max_completion_length,
      stopId,
      temperature: cfg.temperature,
      topK: cfg.top_k,
      topP: cfg.top_p,
      seed: input.seed * 1_000_003 + i,
      group: g,
    });
    input.sampled?.(out.tokens);
    completions.push(...out.tokens);
    oldLogp.push(...out.logprobs);
  }
  const scores: Scored[] = [];
  for (let i = 0; i < input.prompts.length; i++)
    scores.push(...(await input.score(i, completions.slice(i * g, (i + 1) * g))));
  const rewards = scores.map((s) => s.reward);
  const adv = advantages(rewards, g, cfg.scale_rewards);
  const zero = zeroSpreadGroups(rewards, g);
  const keep = (i: number) => !(cfg.dynamic_sampling && zero[Math.floor(i / g)]);
  const rollouts: Rollout[] = [];
  for (let i = 0; i < expanded.length; i++) {
    if (keep(i))
      rollouts.push({ prompt: expanded[i], completion: completions[i], logprobs: oldLogp[i], advantage: adv[i] });
  }

  // Updates: PPO mini-batches of prompts (all their rollouts), micro-batches of rows inside.
  const logitScale = 1 / cfg.temperature;
  const perMini = cfg.ppo_mini_batch_size * g;
  const stats = { low: 0, high: 0, dual: 0, kl: 0, loss: 0, n: 0, gradNorm: 0, entropy: 0, entropyN: 0 };
  for (let epoch = 0; epoch < cfg.num_iterations; epoch++) {
    for (let m0 = 0; m0 < rollouts.length; m0 += perMini) {
      const mini = rollouts.slice(m0, m0 + perMini);
      const totalTokens = mini.reduce((a, r) => a + r.completion.length, 0);
      if (!totalTokens) continue;
      await policy.zeroGrads();
      for (let r0 = 0; r0 < mini.length; r0 += policy.shape.batch) {
        const { batch, positions } = packRollouts(mini, r0, policy.shape.batch, S, pad);
        if (!positions.length) continue;
        const refLp = reference && cfg.beta > 0 ? (await reference.tokenLogprobs(batch, logitScale)).logp : undefined;
        const { logp: lp, entropy } = await policy.tokenLogprobs(batch, logitScale);
        const obj = grpoObjective(
          {
            logp: positions.map((p) => lp[p.t]),
            oldLogp: positions.map((p) => mini[p.rollout].logprobs[p.token]),
            refLogp: refLp && positions.map((p) => refLp[p.t]),
            adv: positions.map((p) => mini[p.rollout].advantage),
            seq: positions.map((p) => p.rollout),
            entropy: positions.map((p) => entropy[p.t]),
          },
          {
            epsilon: cfg.epsilon,
            epsilonHigh: cfg.epsilon_high,
            dualClip: cfg.clip_ratio_c,
            beta: cfg.beta,
            entropyCoeff: cfg.entropy_coeff,
            lossType: cfg.loss_type,
            totalTokens,
            totalSeqs: mini.length,
          },
        );
        // The head's backward adds w ∇(-log p) - e ∇H: w = -dL/dlogp and e = -dL/dH give ∇L.
        const weights = new Float32Array(batch.mask.length);
        positions.forEach((p, i) => (weights[p.t] = -obj.dlogp[i]));
        let entropyWeights: Float32Array | undefined;
        if (cfg.entropy_coeff > 0) {
          entropyWeights = new Float32Array(batch.mask.length);
          positions.forEach((p, i) => (entropyWeights![p.t] = obj.dentropy[i]));
        }
        await policy.policyGradient(batch, weights, logitScale, entropyWeights);
        if (epoch === 0) {
          for (const p of positions) stats.entropy += entropy[p.t];
          stats.entropyN += positions.length;
        }
        stats.low += obj.clipLow * positions.length;
        stats.high += obj.clipHigh * positions.length;
        stats.dual += obj.dualClipped * positions.length;
        stats.kl += obj.kl * positions.length;
        stats.loss += obj.loss;
        stats.n += positions.length;
      }
      stats.gradNorm = (await policy.applyUpdate(lr, ++input.updates.n)).gradNorm;
    }
  }

  const lengths = completions.map((c) => c.length);
  const truncated = completions.filter((c) => c[c.length - 1] !== stopId).length;
  const withProcess = scores.filter((s) => s.processCorrect !== undefined);
  const groupsUsed = zero.filter((z) => !(cfg.dynamic_sampling && z)).length;
  return {
    step: input.step,
    reward_mean: mean(rewards),
    reward_std: Math.sqrt(mean(rewards.map((r) => (r - mean(rewards)) ** 2))),
    outcome_mean: mean(scores.map((s) => s.outcome)),
    process_mean: withProcess.length ? mean(withProcess.map((s) => s.process!)) : null,
    frac_zero_std_groups: zero.filter(Boolean).length / zero.length,
    groups_used: groupsUsed,
    clip_frac_low: stats.low / Math.max(1, stats.n),
    clip_frac_high: stats.high / Math.max(1, stats.n),
    dual_clip_frac: stats.dual / Math.max(1, stats.n),
    kl: stats.kl / Math.max(1, stats.n),
    entropy: stats.entropy / Math.max(1, stats.entropyN),
    completion_len_mean: mean(lengths),
    completion_len_max: Math.max(...lengths),
    truncation_rate: truncated / completions.length,
    reward_hacking_rate: withProcess.length
      ? withProcess.filter((s) => s.outcome === 1 && !s.processCorrect).length / withProcess.length
      : null,
    grad_norm: stats.gradNorm,
    loss: stats.loss / Math.max(1, Math.ceil(rollouts.length / perMini) * cfg.num_iterations),
  };
}
