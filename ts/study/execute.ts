// One run of a plan, start to finish: its inputs read from their done.json markers, its stage run
// (which resumes from its own checkpoints or journal), and its own done.json written last,
// atomically. A pure function of (node, store, gpu, reporter, study folder): the in-process runner
// calls it, and so can a worker on another machine that shares the store.
import { checkDataset } from '../data/build.js';
import { evaluateToFile, finishEval, proposeRange, type CalibrationRule, type EvalResults } from '../eval/index.js';
import type { EvalSettings } from '../eval/settings.js';
import type { Gpu } from '../gpu/device.js';
import { validateGrpoConfig } from '../rl/config.js';
import { runRl } from '../rl/stage.js';
import { joinPath, readText, type RunStore } from '../store/store.js';
import { StageStopped } from '../stage/loop.js';
import { validateRunConfig } from '../train/runconfig.js';
import { runTraining } from '../train/stage.js';
import { sha256Hex } from '../util/hash.js';
import { parseJson } from '../util/json.js';
import type { Reporter } from '../util/reporter.js';
import type { PlanNode } from './plan.js';

export const DONE_FILE = 'done.json';
export const DONE_FORMAT = 'reasoning-engine-run/1';

/** What a finished run leaves in its folder; paths in `result` are relative to the study folder. */
export interface DoneRecord {
  format: typeof DONE_FORMAT;
  key: string;
  id: string;
  kind: PlanNode['kind'];
  config: Record<string, unknown>;
  inputs: PlanNode['inputs'];
  finished: string;
  result: Record<string, unknown>;
}

export interface NodeEnv {
  store: RunStore;
  gpu: Gpu;
  reporter: Reporter;
  /** The study folder every node's `dir` and `out` are relative to. */
  root: string;
  /** Stops the node's stage after its current step (StageContext.stop); the node is then not done. */
  stop?: AbortSignal;
}

/** A stopped stage's node must not be marked done: the next run resumes it from its checkpoint. */
function finished<R extends { stopped: boolean; checkpoint: string }>(node: PlanNode, r: R): R {
  if (r.stopped) throw new StageStopped(`run ${node.id} stopped: ${r.checkpoint}`);
  return r;
}

/** A finished run's record, or undefined when it has not finished (no done.json, or one for another key). */
export async function readDone(
  store: RunStore,
  root: string,
  dir: string,
  key?: string,
): Promise<DoneRecord | undefined> {
  const path = joinPath(root, dir, DONE_FILE);
  const text = await readText(store, path);
  if (text === undefined) return undefined;
  const rec = parseJson(text, path, 'remove it to run that run again') as DoneRecord;
  return key === undefined || rec.key === key ? rec : undefined;
}

/** A path under the study folder, and back. */
const under = (root: string, p: string) => joinPath(root, p);
const relative = (root: string, p: string) => (root && p.startsWith(root + '/') ? p.slice(root.length + 1) : p);

async function input(env: NodeEnv, node: PlanNode, role: string): Promise<DoneRecord> {
  const i = node.inputs[role];
  const rec = await readDone(env.store, env.root, i.dir, i.key);
  if (!rec) throw new Error(`run ${node.id} reads ${role} from ${i.dir}, which has not finished; run that first`);
  return rec;
}

const checkpointOf = async (env: NodeEnv, node: PlanNode, role: string) =>
  under(env.root, (await input(env, node, role)).result.checkpoint as string);

/** The reward of each step, from the RL run's whole metrics log (a resumed run's result holds only its own steps). */
async function rlRewards(store: RunStore, out: string): Promise<number[]> {
  const text = (await readText(store, joinPath(out, 'metrics.jsonl'))) ?? '';
  const rows = text.split('\n').flatMap((l) => {
    try {
      return [JSON.parse(l) as { stage?: string; reward_mean?: number }];
    } catch {
      return [];
    }
  });
  return rows.filter((r) => r.stage === 'rl' && typeof r.reward_mean === 'number').map((r) => r.reward_mean!);
}

/** What an import copies: the weights-only checkpoint a stage can start from or evaluate. */
export const IMPORTED_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'] as const;

/** Copies an imported checkpoint into `out` after checking its weights are the ones the plan keyed. */
async function importCheckpoint(store: RunStore, source: string, out: string, sha: string): Promise<void> {
  const files = [];
  for (const f of IMPORTED_FILES) {
    const data = await store.read(joinPath(source, f));
    if (!data) throw new Error(`${source} has no ${f}: a checkpoint to import needs ${IMPORTED_FILES.join(', ')}`);
    files.push([f, data] as const);
  }
  const got = await sha256Hex(files[1][1]);
  if (got !== sha)
    throw new Error(`${source}/model.safetensors has sha256 ${got}, not the ${sha} this plan was keyed by; plan again`);
  for (const [f, data] of files) await store.write(joinPath(out, f), data);
}

/** Where an evaluation or calibration writes its JSON: `out` itself when it names a file. */
const fileOf = (out: string, name: string) => (out.endsWith('.json') ? out : joinPath(out, name));

async function run(node: PlanNode, env: NodeEnv): Promise<Record<string, unknown>> {
  const { store, gpu, reporter, root, stop } = env;
  const out = under(root, node.out);
  const ctx = { gpu, store, reporter, out, stop };
  switch (node.kind) {
    case 'pretrain':
    case 'midtrain': {
      const init = node.inputs.init ? await checkpointOf(env, node, 'init') : undefined;
      const cfg = validateRunConfig({ ...node.config, stage: node.kind, ...(init ? { init } : {}) });
      const r = finished(node, await runTraining(cfg, ctx));
      const { steps, tokens, finalLoss, heldOut } = r;
      return { checkpoint: relative(root, r.checkpoint), out: node.out, steps, tokens, finalLoss, heldOut };
    }
    case 'rl': {
      // A calibrated range replaces the configured one, which stays the fallback when none is proposed.
      const calib = node.inputs.calibration ? (await input(env, node, 'calibration')).result : undefined;
      const range = calib?.range as { from: number; to: number } | null | undefined;
      const ops = range ? [range.from, range.to] : node.config.ops;
      const init = await checkpointOf(env, node, 'init');
      const r = finished(node, await runRl(validateGrpoConfig({ ...node.config, ops, init }), ctx));
      const rewards = await rlRewards(store, out);
      return {
        checkpoint: relative(root, r.checkpoint),
        out: node.out,
        ops,
        steps: rewards.length,
        rewardFirst: rewards[0],
        rewardLast: rewards.at(-1),
      };
    }
    case 'eval': {
      const file = fileOf(out, 'eval.json');
      const checkpoint = await checkpointOf(env, node, 'checkpoint');
      const settings = node.config as object as EvalSettings;
      const samples = node.samples && under(root, node.samples);
      const r = await evaluateToFile({ checkpoint, settings, ...(samples ? { samples } : {}) }, { ...ctx, out: file });
      const { ks, aggregates } = r;
      const written = { results: relative(root, file), ...(node.samples ? { samples: node.samples } : {}) };
      return { ...written, modelSha256: r.checkpoint.modelSha256, ks, aggregates };
    }
    case 'calibrate': {
      const ev = (await input(env, node, 'eval')).result;
      const path = under(root, ev.results as string);
      const evaluation = parseJson((await readText(store, path)) ?? '', path) as EvalResults;
      const proposal = proposeRange(
        evaluation.aggregates,
        evaluation.settings.n,
        node.config as object as CalibrationRule,
      );
      const file = fileOf(out, 'calibration.json');
      await finishEval(store, file, { format: 'reasoning-engine-calibration/1', ...proposal, evaluation });
      return { file: relative(root, file), range: proposal.range, reason: proposal.reason };
    }
    case 'import': {
      await importCheckpoint(store, node.source!, out, node.config.model_sha256 as string);
      return { checkpoint: node.out, source: node.source, modelSha256: node.config.model_sha256 };
    }
    case 'check': {
      const data = under(root, joinPath((await input(env, node, 'data')).result.out as string, 'data'));
      const check = await checkDataset(store, data, reporter.progress);
      if (check.evalInTraining > 0)
        throw new Error(`${check.evalInTraining} training documents in ${data} are evaluation problems`);
      return { ...check };
    }
  }
}

/** Runs one node (resuming its stage where it stopped) and marks it done; returns its record. */
export async function executeNode(node: PlanNode, env: NodeEnv): Promise<DoneRecord> {
  return markDone(env.store, env.root, node, await run(node, env));
}

/** Writes a node's done.json: last, and whole, so a run killed before it is run (resumed) again. */
export async function markDone(
  store: RunStore,
  root: string,
  node: PlanNode,
  result: Record<string, unknown>,
): Promise<DoneRecord> {
  const { key, id, kind, config, inputs } = node;
  const finished = new Date().toISOString();
  const rec: DoneRecord = { format: DONE_FORMAT, key, id, kind, config, inputs, finished, result };
  const text = JSON.stringify(rec, null, 1) + '\n';
  await store.write(joinPath(root, node.dir, DONE_FILE), text);
  // As a later run reads it back (a NaN loss is null there), so a skipped run's record is the same.
  return JSON.parse(text) as DoneRecord;
}
