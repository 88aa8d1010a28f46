// Sampling tokens/s: 64 prompts x 6 generations with the KV cache on the mini model (random weights,
// no stop token, so both sides generate the same number of tokens), beside the PyTorch peer doing
// the same KV-cache generation (tools/torch/sample_bench.py) in the same run.
import { Gpu } from '../ts/gpu/index.js';
import { preset, type Qwen2Config } from '../ts/model/config.js';
import { InferenceModel } from '../ts/model/inference.js';
import { initParams, paramLayout } from '../ts/model/params.js';
import { runTorch } from './torch.js';

const VOCAB = 2200;

export interface SampleShape {
  prompts: number;
  group: number;
  promptLen: number;
  maxNew: number;
  temperature: number;
}
const SHAPE: SampleShape = { prompts: 64, group: 6, promptLen: 128, maxNew: 32, temperature: 1 };

export const describeSample = (s: SampleShape) =>
  `${s.prompts} prompts x ${s.group}, prompt ${s.promptLen}, ${s.maxNew} new tokens, T=${s.temperature}`;

/** Our sampling's tokens and seconds on `shape`, and the argument that gives the peer the same prompts. */
export async function engineSampling(
  gpu: Gpu,
  config: Qwen2Config,
  shape: SampleShape,
): Promise<{ tokens: number; seconds: number; peerArg: object }> {
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % config.vocab_size;
  const prompts = Array.from({ length: shape.prompts }, () => Int32Array.from({ length: shape.promptLen }, rand));
  const rows = shape.prompts * shape.group;
  const model = new InferenceModel(gpu, config, initParams(config, paramLayout(config), 1), { decodeBatch: rows });
  const o = { maxNew: shape.maxNew, stopId: -1, temperature: shape.temperature, seed: 1, group: shape.group };
  await model.sample(prompts.slice(0, 1), { ...o, maxNew: 2 }); // compiles the pipelines
  const t = performance.now();
  const out = await model.sample(prompts, o);
  const seconds = (performance.now() - t) / 1000;
  const peerArg = {
    config,
    prompts: prompts.map((p) => Array.from(p)),
    group: shape.group,
    max_new: shape.maxNew,
    temperature: shape.temperature,
    seed: 1,
  };
  return { tokens: out.tokens.reduce((a, x) => a + x.length, 0), seconds, peerArg };
}

export async function benchSample(): Promise<void> {
  const gpu = await Gpu.create();
  const { tokens, seconds, peerArg } = await engineSampling(gpu, preset('mini', VOCAB), SHAPE);
  const ours = tokens / seconds;
  const peer = runTorch<{ tokens_per_s: number; seconds: number }>('sample_bench.py', peerArg);
  const line = peer.result
    ? `mini sample: ${ours.toFixed(0)} tokens/s (${seconds.toFixed(1)} s), PyTorch ${peer.result.tokens_per_s.toFixed(0)} tokens/s (${peer.result.seconds.toFixed(1)} s), ${(ours / peer.result.tokens_per_s).toFixed(3)}x`
    : `mini sample: ${ours.toFixed(0)} tokens/s (${peer.reason})`;
  process.stderr.write(`${line}   [${describeSample(SHAPE)}, ${gpu.adapterName}]\n`);
  process.stdout.write(
    JSON.stringify({
      bench: 'sample',
      adapter: gpu.adapterName,
      tokens,
      seconds,
      tokens_per_s: ours,
      torch_tokens_per_s: peer.result?.tokens_per_s,
      ratio: peer.result ? ours / peer.result.tokens_per_s : undefined,
    }) + '\n',
  );
}
