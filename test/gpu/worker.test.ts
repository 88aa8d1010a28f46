// The engine's worker API (ts/worker/engine.ts) under Node's worker_threads through comlink's Node
// adapter (harness/worker/node.ts, bundled here as scripts/build.mjs bundles the CLI): a tiny
// pre-training run through it gives the very bits of the same run made in-process with runTraining,
// its progress and rows reach the caller's proxied callbacks, and its files can be read back.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEval, type EvalResults } from '../../ts/eval/run.js';
import { EVAL_SCHEMA, type EvalSettings } from '../../ts/eval/settings.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { validateRunConfig } from '../../ts/train/runconfig.js';
import { runTraining } from '../../ts/train/stage.js';
import { sha256Hex } from '../../ts/util/hash.js';
import type { ProgressReport } from '../../ts/util/progress.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { validate } from '../../ts/util/schema.js';
import { createEngine, type Engine } from '../../ts/worker/engine.js';
import { stepSeries, TINY_EVAL, TINY_RUN, TINY_STEPS, type RunFingerprint } from '../util/tiny-run.js';
import { testGpu } from './setup.js';
import { buildDefines } from '../../scripts/build-info.mjs';

const root = new URL('../..', import.meta.url).pathname;

/** harness/worker/node.ts bundled into dist/test (inside the repository, so its packages resolve). */
async function bundleNodeWorker(): Promise<string> {
  const outfile = join(root, 'dist/test/worker-node.mjs');
  mkdirSync(join(root, 'dist/test'), { recursive: true });
  await esbuild.build({
    entryPoints: [join(root, 'harness/worker/node.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    logLevel: 'warning',
    define: buildDefines(root), // the engine identity's constants, as scripts/build.mjs compiles them in
  });
  return outfile;
}

/** The tiny run and its evaluation, made in this process (once: several tests compare with it). */
let reference: Promise<RunFingerprint & { evaluation: EvalResults }> | undefined;
const inProcess = () => (reference ??= makeInProcess());
async function makeInProcess(): Promise<RunFingerprint & { evaluation: EvalResults }> {
  const store = new MemoryStore();
  const rows: object[] = [];
  const gpu = await testGpu();
  const reporter = callbackReporter({ row: (r) => rows.push(r) });
  const result = await runTraining(validateRunConfig(TINY_RUN), { gpu, store, reporter, out: 'run' });
  const model = await store.read(`${result.checkpoint}/model.safetensors`);
  const settings = validate<EvalSettings>(EVAL_SCHEMA, TINY_EVAL);
  const evaluation = await runEval({ checkpoint: 'run', settings }, { gpu, store, reporter, out: 'eval.json' });
  return { ...stepSeries(rows), modelSha256: await sha256Hex(model!), evaluation };
}

describe('the engine API in a worker_threads worker', () => {
  let worker: Worker;
  let engine: Comlink.Remote<Engine>;
  beforeAll(async () => {
    worker = new Worker(await bundleNodeWorker(), { workerData: { store: 'memory' } });
    engine = Comlink.wrap<Engine>(nodeEndpoint(worker));
  });
  afterAll(async () => {
    engine?.[Comlink.releaseProxy]();
    await worker?.terminate();
  });

  it('trains bit-identically to runTraining in-process, reporting through the callback proxy', async () => {
    const rows: object[] = [];
    const progress: ProgressReport[] = [];
    const onProgress = Comlink.proxy((p: ProgressReport) => progress.push(p));
    // A caller that is slow to take a row (a page redrawing a chart) still has them all by the result.
    const onRow = Comlink.proxy(async (r: object) => {
      await new Promise((done) => setTimeout(done, 50));
      rows.push(r);
    });
    const result = await engine.train(TINY_RUN, 'run', onProgress, onRow);
    const arrived = rows.slice(); // what had arrived when the result did
    const bar = progress.filter((p) => p.unit === 'tokens');
    const files = await engine.listFiles(result.checkpoint);
    const model = await engine.readFile(`${result.checkpoint}/model.safetensors`);
    const viaWorker: RunFingerprint = { ...stepSeries(arrived), modelSha256: await sha256Hex(model!) };

    expect(result.steps).toBe(TINY_STEPS);
    expect(files).toContain('model.safetensors');
    expect(viaWorker.losses).toHaveLength(TINY_STEPS);
    // Every row and report arrived before train() returned: the steps', the final held-out evaluation's
    // (the last row), and the end of the bar.
    expect(arrived).toHaveLength(TINY_STEPS + 1);
    expect(arrived.at(-1)).toHaveProperty('eval_loss');
    expect(result.finalLoss).toBe(viaWorker.losses[TINY_STEPS - 1]);
    expect(bar.at(-1)).toMatchObject({ done: result.tokens, total: result.tokens });
    // Bit for bit: toEqual compares numbers with Object.is.
    const { evaluation, ...ref } = await inProcess();
    expect(viaWorker).toEqual(ref);

    // The same sampled evaluation of the run's checkpoint, its results file written where asked.
    const evalProgress: ProgressReport[] = [];
    const onEvalProgress = Comlink.proxy((p: ProgressReport) => evalProgress.push(p));
    const got = await engine.evaluate({ checkpoint: 'run', settings: TINY_EVAL }, 'eval.json', onEvalProgress);
    const written = JSON.parse(new TextDecoder().decode(await engine.readFile('eval.json')));
    expect(written).toEqual(got);
    expect(await engine.readFile('eval.json.partial.jsonl')).toBeUndefined(); // the journal is gone
    expect(got.problems).toHaveLength(evaluation.problems.length);
    expect(evalProgress.at(-1)).toMatchObject({ done: got.timing.samples, total: got.timing.samples });
    expect({ problems: got.problems, aggregates: got.aggregates }).toEqual({
      problems: evaluation.problems,
      aggregates: evaluation.aggregates,
    });
  });

  it('generates the problems the generator gives in-process, and writes files it reads back and removes', async () => {
    const opts = { seed: 3, op: 4, template: 'crazy_zootopia', mode: 'forward', count: 2 } as const;
    const { generateMany } = await import('../../ts/data/generator.js');
    expect(await engine.generate(opts)).toEqual(await generateMany(opts));
    await engine.writeFile('up/a.txt', 'hello');
    expect(new TextDecoder().decode(await engine.readFile('up/a.txt'))).toBe('hello');
    await engine.remove('up');
    expect(await engine.listFiles('up')).toEqual([]);
  });
});

describe('stop(): a pause that the next call resumes', () => {
  // In this thread (no worker): a row callback calls stop() synchronously, so the stage sees it
  // right after that step, which makes the step it stops at certain.
  it('ends a training run after the current step with its checkpoint; training again resumes to the same bits', async () => {
    const engine = createEngine({ store: new MemoryStore() });
    const rows: object[] = [];
    const pauseAfter = 2;
    const first = await engine.train(TINY_RUN, 'run', undefined, (r: object) => {
      rows.push(r);
      if ((r as { step?: number }).step === pauseAfter) engine.stop();
    });
    expect(first).toMatchObject({ stopped: true, steps: pauseAfter });
    expect(first.checkpoint).toBe('run/checkpoints/step-00000002');
    expect(rows).toHaveLength(pauseAfter); // no held-out evaluation at a pause
    const second = await engine.train(TINY_RUN, 'run', undefined, (r: object) => void rows.push(r));
    expect(second).toMatchObject({ stopped: false, steps: TINY_STEPS });
    const model = await engine.readFile(`${second.checkpoint}/model.safetensors`);
    const { evaluation, ...ref } = await inProcess();
    expect({ ...stepSeries(rows), modelSha256: await sha256Hex(model!) }).toEqual(ref);

    // An evaluation (one problem per sampler call) stopped after its first call throws, keeping its
    // journal; evaluating again finishes it, with the results of one that ran through.
    const settings = { ...TINY_EVAL, batch: TINY_EVAL.n };
    const stopAtFirst = (r: object) => void ((r as { step?: number }).step === 0 && engine.stop());
    const req = { checkpoint: 'run', settings };
    await expect(engine.evaluate(req, 'eval.json', undefined, stopAtFirst)).rejects.toThrow(
      /^evaluation stopped; run it again with the same settings to resume from eval.json.partial.jsonl$/,
    );
    expect(await engine.readFile('eval.json')).toBeUndefined();
    const notes: string[] = [];
    const got = await engine.evaluate(req, 'eval.json', undefined, undefined, (m: string) => void notes.push(m));
    expect(notes).toContain('resuming the evaluation from eval.json.partial.jsonl: 1 problems done');
    expect({ problems: got.problems, aggregates: got.aggregates }).toEqual({
      problems: evaluation.problems,
      aggregates: evaluation.aggregates,
    });
  });
});
