// The RL stage: GRPO from a checkpoint for a number of steps, with metrics as JSON lines, periodic
// checkpoints (policy, AdamW moments, step counters) and exact resume.
import { join } from 'node:path';
import { claimRunDir, latestCheckpoint, loadCheckpoint, saveCheckpoint, truncateMetrics } from '../ckpt/index.js';
import { generate, promptText, type Problem } from '../data/generator.js';
import { Tokenizer } from '../data/tokenizer.js';
import { REWARD_PRESETS, scoreBatch, type RewardConfig } from '../data/verifier.js';
import type { Gpu } from '../gpu/device.js';
import { appendText } from '../io/files.js';
import { Model } from '../model/model.js';
import { paramLayout } from '../model/params.js';
import { log } from '../util/jsonl.js';
import { killPoint } from '../util/killpoint.js';
import { Progress } from '../util/progress.js';
import { upgradeGrpoConfig, type GrpoConfig } from './config.js';
import { grpoStep, rolloutShape, type StepMetrics } from './grpo.js';

export interface RlResult {
  checkpoint: string;
  metrics: StepMetrics[];
}

export function rewardConfig(cfg: GrpoConfig): RewardConfig {
  return { ...REWARD_PRESETS[cfg.reward], countExtraNodes: cfg.count_extra_nodes };
}

/** The prompts of RL step `step`: ops uniform in the range, templates in turn, all reproducible from the seed; longer than maxPrompt tokens skipped. */
async function stepProblems(cfg: GrpoConfig, step: number, tok: Tokenizer, maxPrompt: number): Promise<{ problems: Problem[]; prompts: Int32Array[] }> {
  const problems: Problem[] = [];
  const prompts: Int32Array[] = [];
  const span = cfg.ops[1] - cfg.ops[0] + 1;
  for (let i = 0; problems.length < cfg.prompts_per_step; i++) {
    if (i > cfg.prompts_per_step * 20) throw new Error(`RL: no prompts of ops ${cfg.ops} fit the context (${maxPrompt} tokens for the prompt)`);
    const seed = (cfg.seed * 1_000_003 + step * 10_007 + i) >>> 0;
    const p = await generate({ seed, op: cfg.ops[0] + (seed % span), template: cfg.templates[i % cfg.templates.length], mode: 'forward' });
    const ids = tok.encode(promptText(p));
    if (ids.length > maxPrompt) continue;
    problems.push(p);
    prompts.push(ids);
  }
  return { problems, prompts };
}

/** Runs GRPO with its run directory claimed (locked) for the duration. */
export async function runRl(cfg: GrpoConfig, out: string, gpu: Gpu, onMetrics: (m: StepMetrics) => void): Promise<RlResult> {
  if (!cfg.init) throw new Error('RL needs init: the checkpoint to start from');
  const release = claimRunDir(out, 'rl.json', cfg, upgradeGrpoConfig);
  try {
    return await rlIn(cfg as GrpoConfig & { init: string }, out, gpu, onMetrics);
  } finally {
    release();
  }
}

async function rlIn(cfg: GrpoConfig & { init: string }, out: string, gpu: Gpu, onMetrics: (m: StepMetrics) => void): Promise<RlResult> {
  const ckptRoot = join(out, 'checkpoints');
  const resumeDir = latestCheckpoint(ckptRoot);
  const init = loadCheckpoint(cfg.init, paramLayout);
  const start = resumeDir ? loadCheckpoint(resumeDir, paramLayout) : init;
  if (!init.tokenizerJson) throw new Error(`${cfg.init} has no tokenizer.json`);
  const tok = await Tokenizer.fromJson(init.tokenizerJson);
  const config = init.config;
  // Training rows hold the longest prompt and completion (shorter rows are padding the update pays for).
  const { seqLen: S, maxPrompt } = rolloutShape(cfg, config.max_position_embeddings);
  const hyper = { beta1: cfg.beta1, beta2: cfg.beta2, eps: 1e-8, weight_decay: cfg.weight_decay, clip: cfg.max_grad_norm };
  // Rollouts decode together: all of a step's (up to 64) sequences at once.
  const shape = { batch: cfg.per_device_train_batch_size, seqLen: S, decodeBatch: Math.max(cfg.num_generations, Math.min(64, cfg.prompts_per_step * cfg.num_generations)) };
  const policy = await Model.create(gpu, config, { params: start.params, m: start.m, v: start.v }, shape, hyper);
  // The frozen reference of the KL term is the starting checkpoint.
  const reference = cfg.beta > 0 ? await Model.create(gpu, config, { params: init.params }, shape, hyper) : undefined;
  const state = (start.state as { step: number; tokensSeen: number; dataCursor: unknown; rng: unknown; runConfig: unknown } | undefined) ?? undefined;
  let step = resumeDir && state ? state.step : 0;
  const step0 = step;
  const updates = { n: resumeDir && state ? (state.dataCursor as { updates: number }).updates : 0 };
  const metricsFile = join(out, 'metrics.jsonl');
  if (resumeDir) log(`resuming RL from ${resumeDir} (step ${step} of ${cfg.max_steps})`);
  truncateMetrics(metricsFile, step);
  const stopId = tok.specialId('</answer>');
  const pad = tok.specialId('[PAD]');
  const rc = rewardConfig(cfg);
  const save = async () => {
    const snap = await policy.snapshot();
    return saveCheckpoint(ckptRoot, {
      config, layout: policy.layout, ...snap, tokenizerJson: init.tokenizerJson!,
      state: { step, tokensSeen: 0, dataCursor: { updates: updates.n }, rng: { seed: cfg.seed }, runConfig: cfg },
    });
  };
  // A step takes about a minute on a CPU adapter: the bar shows from the start, and a resumed run's
  // rate counts its own steps only.
  const progress = new Progress('rl', cfg.max_steps, 'steps', 5, { start: step });
  progress.update(step);
  const all: StepMetrics[] = [];
  let checkpoint = resumeDir ?? '';
  while (step < cfg.max_steps) {
    const t0 = performance.now();
    const { problems, prompts } = await stepProblems(cfg, step + 1, tok, maxPrompt);
    const m = await grpoStep(
      policy,
      reference,
      cfg,
      {
        prompts,
        step: step + 1,
        seed: cfg.seed * 7919 + step + 1,
        updates,
        score: async (i, completions) => {
          const scores = await scoreBatch(problems[i], completions.map((c) => tok.decode(c)), rc);
          return scores.map((s) => ({ reward: s.reward, outcome: s.outcome, process: s.process, processCorrect: s.processCorrect }));
        },
      },
      pad,
      stopId,
      cfg.learning_rate,
    );
    step++;
    const row = { ...m, lr: cfg.learning_rate, seconds: +((performance.now() - t0) / 1000).toFixed(2) };
    appendText(metricsFile, JSON.stringify({ stage: 'rl', ...row }) + '\n');
    all.push(m);
    onMetrics(row);
    progress.update(step, `reward ${m.reward_mean.toFixed(3)}`);
    killPoint('rl-step');
    if (cfg.checkpoint_interval && step % cfg.checkpoint_interval === 0 && step < cfg.max_steps) checkpoint = await save();
  }
  progress.done();
  // A finished run started again keeps its checkpoint (see ts/train/stage.ts).
  if (!(resumeDir && step === step0)) checkpoint = await save();
  return { checkpoint, metrics: all };
}
