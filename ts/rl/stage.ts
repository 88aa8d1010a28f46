// The RL stage: GRPO from a checkpoint for a number of steps, with metrics as JSON lines, periodic
// checkpoints (policy, AdamW moments, step counters) and exact resume.
import { loadCheckpoint, type TrainerState } from '../ckpt/index.js';
import { generate, promptText, type Problem } from '../data/generator.js';
import { Tokenizer } from '../data/tokenizer.js';
import { REWARD_PRESETS, scoreBatch, type RewardConfig } from '../data/verifier.js';
import { InferenceModel } from '../model/inference.js';
import { TrainingModel } from '../model/training.js';
import { paramLayout } from '../model/params.js';
import { chooseKernels } from '../model/products.js';
import { runLoop, type StageContext } from '../stage/loop.js';
import { withRunDir } from '../stage/rundir.js';
import { upgradeGrpoConfig, type GrpoConfig } from './config.js';
import { grpoStep, rolloutShape, type StepMetrics } from './grpo.js';

export interface RlResult {
  checkpoint: string;
  metrics: StepMetrics[];
  /** Stopped early (ctx.stop); `checkpoint` holds the steps taken. */
  stopped: boolean;
}

export function rewardConfig(cfg: GrpoConfig): RewardConfig {
  return { ...REWARD_PRESETS[cfg.reward], countExtraNodes: cfg.count_extra_nodes };
}

/** The prompts of RL step `step`: ops uniform in the range, templates in turn, all reproducible from the seed; longer than maxPrompt tokens skipped. */
async function stepProblems(
  cfg: GrpoConfig,
  step: number,
  tok: Tokenizer,
  maxPrompt: number,
): Promise<{ problems: Problem[]; prompts: Int32Array[] }> {
  const problems: Problem[] = [];
  const prompts: Int32Array[] = [];
  const span = cfg.ops[1] - cfg.ops[0] + 1;
  for (let i = 0; problems.length < cfg.prompts_per_step; i++) {
    if (i > cfg.prompts_per_step * 20)
      throw new Error(`RL: no prompts of ops ${cfg.ops} fit the context (${maxPrompt} tokens for the prompt)`);
    const seed = (cfg.seed * 1_000_003 + step * 10_007 + i) >>> 0;
    const p = await generate({
      seed,
      op: cfg.ops[0] + (seed % span),
      template: cfg.templates[i % cfg.templates.length],
      mode: 'forward',
    });
    const ids = tok.encode(promptText(p));
    if (ids.length > maxPrompt) continue;
    problems.push(p);
    prompts.push(ids);
  }
  return { problems, prompts };
}

/**
 * RL's state in a checkpoint: the step and the optimizer updates taken (several per step with
 * several mini-batches). It keeps the sidecar fields pre-training has, so one checkpoint format
 * serves both.
 */
interface RlState extends TrainerState {
  tokensSeen: 0;
  dataCursor: { updates: number };
  rng: { seed: number };
}

/**
 * GRPO from cfg.init in the run directory ctx.out, claimed (locked) for the duration; a directory
 * that holds checkpoints resumes from the latest one.
 */
export async function runRl(cfg: GrpoConfig, ctx: StageContext): Promise<RlResult> {
  if (!cfg.init) throw new Error('RL needs init: the checkpoint to start from');
  const initDir = cfg.init;
  const { store, reporter, gpu } = ctx;
  return withRunDir(
    ctx,
    'rl.json',
    cfg,
    async (run) => {
      const init = await loadCheckpoint(store, initDir, paramLayout);
      const resumed = run.resumed;
      // A fresh optimizer, as mid-training's: the init's AdamW moments belong to another objective, and
      // with RL's step count at 0 their bias correction would be wrong.
      const start = resumed ?? { params: init.params, m: undefined, v: undefined };
      if (!init.tokenizerJson) throw new Error(`${initDir} has no tokenizer.json`);
      const tokenizerJson = init.tokenizerJson;
      const tok = await Tokenizer.fromJson(tokenizerJson);
      const config = init.config;
      // Training rows hold the longest prompt and completion (shorter rows are padding the update pays for).
      const { seqLen: S, maxPrompt } = rolloutShape(cfg, config.max_position_embeddings);
      const hyper = {
        beta1: cfg.beta1,
        beta2: cfg.beta2,
        eps: 1e-8,
        weight_decay: cfg.weight_decay,
        clip: cfg.max_grad_norm,
      };
      // Rollouts decode together: all of a step's (up to 64) sequences at once.
      const decodeBatch = Math.max(cfg.num_generations, Math.min(64, cfg.prompts_per_step * cfg.num_generations));
      const shape = { batch: cfg.per_device_train_batch_size, seqLen: S, decodeBatch };
      await run.recordKernels(await chooseKernels(gpu, config, shape.batch, S));
      const policy = new TrainingModel(gpu, config, { params: start.params, m: start.m, v: start.v }, shape, hyper);
      // The frozen reference of the KL term is the starting checkpoint.
      const reference =
        cfg.beta > 0
          ? new InferenceModel(gpu, config, init.params, { score: { batch: shape.batch, seqLen: S } })
          : undefined;
      const state = resumed?.state as RlState | undefined;
      let step = state?.step ?? 0;
      const updates = { n: state?.dataCursor.updates ?? 0 };
      const stopId = tok.specialId('</answer>');
      const pad = tok.specialId('[PAD]');
      const rc = rewardConfig(cfg);
      const all: StepMetrics[] = [];
      let checkpoint = resumed?.dir ?? '';
      const { stopped } = await runLoop(
        {
          label: 'rl',
          stop: ctx.stop,
          steps: cfg.max_steps,
          start: step,
          resumedFrom: resumed?.dir,
          progress: { unit: 'steps', total: cfg.max_steps, done: step },
          log: run.metrics,
          killPoint: 'rl-step',
          async step() {
            const t0 = performance.now();
            const { problems, prompts } = await stepProblems(cfg, step + 1, tok, maxPrompt);
            const score = async (i: number, completions: Int32Array[]) => {
              const scores = await scoreBatch(
                problems[i],
                completions.map((c) => tok.decode(c)),
                rc,
              );
              return scores.map((s) => ({
                reward: s.reward,
                outcome: s.outcome,
                process: s.process,
                processCorrect: s.processCorrect,
              }));
            };
            const sampled = (c: readonly Int32Array[]) => ctx.observer?.sampled?.(c);
            const batch = { prompts, step: step + 1, seed: cfg.seed * 7919 + step + 1, updates, score, sampled };
            const m = await grpoStep(policy, reference, cfg, batch, pad, stopId, cfg.learning_rate);
            step++;
            all.push(m);
            const row = {
              stage: 'rl',
              ...m,
              lr: cfg.learning_rate,
              seconds: +((performance.now() - t0) / 1000).toFixed(2),
            };
            return { rows: [row], done: step, note: `reward ${m.reward_mean.toFixed(3)}` };
          },
          periodic: [
            {
              every: cfg.checkpoint_interval,
              atEnd: 'if-stepped',
              atStop: true,
              async run() {
                const snap = await policy.snapshot();
                const st: RlState = {
                  step,
                  tokensSeen: 0,
                  dataCursor: { updates: updates.n },
                  rng: { seed: cfg.seed },
                  runConfig: cfg,
                };
                checkpoint = await run.save({ config, layout: policy.layout, ...snap, tokenizerJson, state: st });
              },
            },
          ],
        },
        store,
        reporter,
      );
      return { checkpoint, metrics: all, stopped };
    },
    upgradeGrpoConfig,
  );
}
