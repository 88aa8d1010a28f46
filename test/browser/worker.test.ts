// Node <-> browser identity (issue 12, item 5), on SwiftShader in both (Chromium's WebGPU; Dawn in
// Node): the tiny training run made by the engine's worker in headless Chromium and in Node, and a
// sampled evaluation of the browser's checkpoint in the browser and, loaded from disk as the CLI
// loads it, in Node.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runEval, type EvalResults } from '../../ts/eval/run.js';
import { EVAL_SCHEMA, type EvalSettings } from '../../ts/eval/settings.js';
import { Gpu } from '../../ts/gpu/index.js';
import { useDawn } from '../../ts/io/dawn.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { validateRunConfig } from '../../ts/train/runconfig.js';
import { runTraining } from '../../ts/train/stage.js';
import { sha256Hex } from '../../ts/util/hash.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { validate } from '../../ts/util/schema.js';
import type { DeviceInfo } from '../../ts/worker/engine.js';
import { stepSeries, TINY_EVAL, TINY_RUN, TINY_STEPS, type RunFingerprint } from '../util/tiny-run.js';
import { runInBrowser } from './harness.js';

type Evaluation = Pick<EvalResults, 'problems' | 'aggregates'>;

let gpu: Promise<Gpu> | undefined;
function swiftshader(): Promise<Gpu> {
  useDawn();
  return (gpu ??= Gpu.create({ adapter: 'swiftshader', announce: false }));
}

async function inNode(): Promise<RunFingerprint> {
  const gpu = await swiftshader();
  const store = new MemoryStore();
  const rows: object[] = [];
  const reporter = callbackReporter({ row: (r) => rows.push(r) });
  const result = await runTraining(validateRunConfig(TINY_RUN), { gpu, store, reporter, out: 'run' });
  const model = await store.read(`${result.checkpoint}/model.safetensors`);
  return { ...stepSeries(rows), modelSha256: await sha256Hex(model!) };
}

/** The browser's checkpoint written to disk and evaluated there as the CLI does (NodeStore, Dawn). */
async function evaluateInNode(files: Record<string, string>): Promise<Evaluation> {
  const dir = mkdtempSync(join(tmpdir(), 'browser-ckpt-'));
  try {
    for (const [name, data] of Object.entries(files)) writeFileSync(join(dir, name), Buffer.from(data, 'base64'));
    const gpu = await swiftshader();
    const settings = validate<EvalSettings>(EVAL_SCHEMA, TINY_EVAL);
    const ctx = { gpu, store: new NodeStore(), reporter: callbackReporter(), out: join(dir, 'eval.json') };
    const { problems, aggregates } = await runEval({ checkpoint: dir, settings }, ctx);
    return { problems, aggregates };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('training in a browser worker and in Node, both on SwiftShader', () => {
  let browser: RunFingerprint & {
    device: DeviceInfo;
    steps: number;
    evaluation: Evaluation;
    checkpoint: Record<string, string>;
    error?: string;
  };
  let node: RunFingerprint;
  let nodeEvaluation: Evaluation;
  beforeAll(async () => {
    browser = await runInBrowser('test/browser/worker.entry.ts', 170_000, { '/worker.js': 'ts/worker/worker.ts' });
    node = await inNode();
    nodeEvaluation = await evaluateInNode(browser.checkpoint);
  });

  it('ran in the worker on SwiftShader', () => {
    expect(browser.error).toBeUndefined();
    expect(browser.device.kind).toBe('swiftshader');
    expect(browser.steps).toBe(TINY_STEPS);
    expect(browser.losses).toHaveLength(TINY_STEPS);
    expect(Object.keys(browser.checkpoint)).toContain('model.safetensors');
  });

  it('gives bit-identical per-step losses and gradient norms, and final weights, to the run in Node', () => {
    // toEqual compares numbers with Object.is: the same float64 bits (each loss and norm is an f32 of
    // the GPU, summed on the host in the same order).
    expect({ losses: browser.losses, gradNorms: browser.gradNorms }).toEqual({
      losses: node.losses,
      gradNorms: node.gradNorms,
    });
    expect(browser.modelSha256).toBe(node.modelSha256);
  });

  it('writes a checkpoint that Node loads and samples the same: per problem the counts and tokens, and the aggregates', () => {
    expect(browser.evaluation.problems).toHaveLength(TINY_EVAL.ops.length * TINY_EVAL.per_op);
    expect(browser.evaluation).toEqual(nodeEvaluation);
  });
});
