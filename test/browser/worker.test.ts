// Node <-> browser identity (issue 12, item 5): the tiny training run and a sampled evaluation of its
// checkpoint, made by the engine's worker in headless Chromium (WebGPU on SwiftShader) and in Node on
// SwiftShader (Dawn).
import { beforeAll, describe, expect, it } from 'vitest';
import { runEval, type EvalResults } from '../../ts/eval/run.js';
import { EVAL_SCHEMA, type EvalSettings } from '../../ts/eval/settings.js';
import { Gpu } from '../../ts/gpu/index.js';
import { useDawn } from '../../ts/io/dawn.js';
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

async function inNode(): Promise<RunFingerprint & { evaluation: Evaluation }> {
  useDawn();
  const gpu = await Gpu.create({ adapter: 'swiftshader', announce: false });
  const store = new MemoryStore();
  const rows: object[] = [];
  const reporter = callbackReporter({ row: (r) => rows.push(r) });
  const result = await runTraining(validateRunConfig(TINY_RUN), { gpu, store, reporter, out: 'run' });
  const model = await store.read(`${result.checkpoint}/model.safetensors`);
  const settings = validate<EvalSettings>(EVAL_SCHEMA, TINY_EVAL);
  const { problems, aggregates } = await runEval({ checkpoint: 'run', settings }, { gpu, store, reporter, out: 'e' });
  return { ...stepSeries(rows), modelSha256: await sha256Hex(model!), evaluation: { problems, aggregates } };
}

describe('training in a browser worker and in Node, both on SwiftShader', () => {
  let browser: RunFingerprint & { device: DeviceInfo; steps: number; evaluation: Evaluation; error?: string };
  let node: RunFingerprint & { evaluation: Evaluation };
  beforeAll(async () => {
    browser = await runInBrowser('test/browser/worker.entry.ts', 170_000, { '/worker.js': 'ts/worker/worker.ts' });
    node = await inNode();
  });

  it('ran in the worker on SwiftShader', () => {
    expect(browser.error).toBeUndefined();
    expect(browser.device.kind).toBe('swiftshader');
    expect(browser.steps).toBe(TINY_STEPS);
    expect(browser.losses).toHaveLength(TINY_STEPS);
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

  it('samples the same evaluation of that checkpoint: per problem the counts and tokens, and the aggregates', () => {
    expect(browser.evaluation.problems).toHaveLength(TINY_EVAL.ops.length * TINY_EVAL.per_op);
    expect(browser.evaluation).toEqual(node.evaluation);
  });
});
