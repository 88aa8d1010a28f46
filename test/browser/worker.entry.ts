// In Chromium: the engine's worker (ts/worker/worker.ts, served at /worker.js) as a module Dedicated
// Worker, driven through comlink; it makes the tiny training run (test/util/tiny-run.ts) on the
// browser's WebGPU with the OPFS run store, then a sampled evaluation of its checkpoint, and reports
// their fingerprints, the checkpoint's files and the adapter.
import * as Comlink from 'comlink';
import { sha256Hex } from '../../ts/util/hash.js';
import type { Engine } from '../../ts/worker/engine.js';
import { stepSeries, TINY_EVAL, TINY_RUN } from '../util/tiny-run.js';

async function run() {
  const engine = Comlink.wrap<Engine>(new Worker('/worker.js', { type: 'module' }));
  const device = await engine.device();
  const rows: object[] = [];
  const result = await engine.train(
    TINY_RUN,
    'runs/tiny',
    undefined,
    Comlink.proxy((r: object) => {
      rows.push(r);
    }),
  );
  const model = await engine.readFile(`${result.checkpoint}/model.safetensors`);
  const { problems, aggregates } = await engine.evaluate({ checkpoint: 'runs/tiny', settings: TINY_EVAL }, 'eval.json');
  const evaluation = { problems, aggregates };
  // The checkpoint's files, for Node to load as the CLI would (base64: the result travels as JSON).
  const checkpoint: Record<string, string> = {};
  for (const name of await engine.listFiles(result.checkpoint)) {
    checkpoint[name] = base64((await engine.readFile(`${result.checkpoint}/${name}`))!);
  }
  const fingerprint = { ...stepSeries(rows), modelSha256: await sha256Hex(model!) };
  return { device, steps: result.steps, ...fingerprint, evaluation, checkpoint };
}

function base64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

(globalThis as { __result?: unknown }).__result = run().catch((e) => ({ error: String(e?.stack ?? e) }));
