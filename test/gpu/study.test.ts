// A study in-process on the GPU, at a size below tiny (the tiny model, a few steps of each stage):
// it finishes with a done.json per run; run again it trains nothing and asks for no GPU; interrupted
// after its first run and started again, it runs only what had not finished and ends with the same
// weights and the same evaluation as the uninterrupted study.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NodeStore } from '../../ts/io/node-store.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { executeNode, readDone, type DoneRecord } from '../../ts/study/execute.js';
import { expandRuns, type Plan, type RunSpec, type Scale } from '../../ts/study/plan.js';
import { runPlan, type Execute } from '../../ts/study/runner.js';
import { TINY_RUN } from '../util/tiny-run.js';
import { testGpu } from './setup.js';

const { stage: _stage, ...pretrain } = TINY_RUN;

const SCALE: Scale = {
  pretrain: { ...pretrain, eval_per_op: 3 },
  midtrain: {},
  // Op 2 prompts of at most 100 tokens leave room for 8 generated ones in the tiny model's 128.
  rl: {
    max_steps: 2,
    prompts_per_step: 2,
    num_generations: 2,
    ppo_mini_batch_size: 2,
    per_device_train_batch_size: 4,
    learning_rate: 1e-3,
    max_completion_length: 8,
    max_prompt_length: 100,
    checkpoint_interval: 1,
  },
  eval: { ops: [2], per_op: 3, n: 2, temperature: 0.7, max_new_tokens: 8, batch: 6 },
  cost: 'seconds',
};

const RUNS: RunSpec[] = [
  { id: 'base', kind: 'pretrain' },
  { id: 'rl', kind: 'rl', from: { init: 'base' }, config: { ops: [2, 2] } },
  { id: 'eval-rl', kind: 'eval', from: { checkpoint: 'rl' }, label: { row: 'RL' } },
];

/** executeNode, counting the nodes it runs; it throws instead of running `stopAt` (a study killed there). */
function counting(ran: string[], stopAt?: string): Execute {
  return async (node, env) => {
    if (node.id === stopAt) throw new Error(`stopped before ${node.id}`);
    ran.push(node.id);
    return executeNode(node, env);
  };
}

async function study(
  root: string,
  execute: Execute,
  gpu = testGpu,
  reporter = () => callbackReporter(),
  stop?: AbortSignal,
): Promise<Map<string, DoneRecord>> {
  const plan: Plan = await expandRuns('gpu-test', RUNS, SCALE, { scale: 'test' });
  return runPlan(plan, { store: new NodeStore(), root, gpu, reporter, execute, stop });
}

/** What must match between two runs of the study: each run's key and result (not when it finished). */
const results = (records: Map<string, DoneRecord>) =>
  [...records.values()].map(({ id, key, result }) => ({ id, key, result }));

describe('a study in-process', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'study-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  let whole: Map<string, DoneRecord>;

  it('runs every run once and marks each done; run again, it trains nothing and needs no GPU', async () => {
    const ran: string[] = [];
    whole = await study(join(tmp, 'whole'), counting(ran));
    expect(ran).toEqual(['base', 'rl', 'eval-rl']);
    for (const rec of whole.values())
      expect(
        await readDone(new NodeStore(), join(tmp, 'whole'), `runs/${rec.kind}-${rec.key.slice(0, 12)}`, rec.key),
      ).toEqual(rec);
    expect(whole.size).toBe(3);
    const again: string[] = [];
    const noGpu = () => Promise.reject(new Error('a finished study asked for the GPU'));
    const second = await study(join(tmp, 'whole'), counting(again), noGpu);
    expect(again).toEqual([]);
    expect(results(second)).toEqual(results(whole));
  }, 60_000);

  it('interrupted after its first run, resumes with the rest only, to the same results', async () => {
    const root = join(tmp, 'interrupted');
    const first: string[] = [];
    await expect(study(root, counting(first, 'rl'))).rejects.toThrow('stopped before rl');
    expect(first).toEqual(['base']);
    const rest: string[] = [];
    const resumed = await study(root, counting(rest));
    expect(rest).toEqual(['rl', 'eval-rl']);
    expect(results(resumed)).toEqual(results(whole));
    const evalResult = [...resumed.values()].find((r) => r.kind === 'eval')!.result;
    expect(evalResult.modelSha256).toMatch(/^[0-9a-f]{64}$/);
  }, 60_000);

  // npm start's path on a CPU adapter with models/mini-base: a weights-only base made elsewhere.
  it('from an imported weights-only base, RL and its evaluation equal those from the trained base', async () => {
    const trained = [...whole.values()].find((r) => r.id === 'base')!;
    const ckpt = join(tmp, 'whole', trained.result.checkpoint as string);
    const models = join(tmp, 'models', 'mini-base');
    mkdirSync(models, { recursive: true });
    for (const f of ['config.json', 'model.safetensors', 'tokenizer.json'])
      copyFileSync(join(ckpt, f), join(models, f));
    const sha = createHash('sha256')
      .update(readFileSync(join(models, 'model.safetensors')))
      .digest('hex');
    const runs: RunSpec[] = [
      { id: 'base', kind: 'import', source: models, config: { model_sha256: sha } },
      ...RUNS.slice(1),
    ];
    const plan = await expandRuns('gpu-test', runs, SCALE, { scale: 'test' });
    const root = join(tmp, 'imported');
    const done = await runPlan(plan, {
      store: new NodeStore(),
      root,
      gpu: testGpu,
      reporter: () => callbackReporter(),
    });
    const byId = (m: Map<string, DoneRecord>, id: string) => [...m.values()].find((r) => r.id === id)!.result;
    expect(byId(done, 'base').modelSha256).toBe(sha);
    // RL reads only the weights and the tokenizer of its init: the same steps, rewards and evaluation.
    const { checkpoint: _a, out: _b, ...rl } = byId(done, 'rl');
    const { checkpoint: _c, out: _d, ...rlWhole } = byId(whole, 'rl');
    expect(rl).toEqual(rlWhole);
    const { results: _e, samples: _f, ...ev } = byId(done, 'eval-rl');
    const { results: _g, samples: _h, ...evWhole } = byId(whole, 'eval-rl');
    expect(ev).toEqual(evWhole);
  }, 60_000);

  it('stopped (Ctrl-C) after its first step, marks nothing done and resumes to the same results', async () => {
    const root = join(tmp, 'stopped');
    const stop = new AbortController();
    const abortOnFirstRow = () => callbackReporter({ row: () => stop.abort() });
    const first: string[] = [];
    await expect(study(root, counting(first), testGpu, abortOnFirstRow, stop.signal)).rejects.toThrow(
      /run base stopped: .*step-00000001/,
    );
    expect(first).toEqual(['base']);
    const rest: string[] = [];
    const resumed = await study(root, counting(rest));
    expect(rest).toEqual(['base', 'rl', 'eval-rl']);
    expect(results(resumed)).toEqual(results(whole));
  }, 60_000);
});
