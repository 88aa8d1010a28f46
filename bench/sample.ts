// Sampling tokens/s: 64 prompts x 6 generations with the KV cache on the mini model (random weights,
// no stop token, so both sides generate the same number of tokens), beside the PyTorch peer doing
// the same KV-cache generation (tools/torch/sample_bench.py) in the same run.
import { Gpu } from '../ts/gpu/index.js';
import { preset } from '../ts/model/config.js';
import { InferenceModel } from '../ts/model/inference.js';
import { initParams, paramLayout } from '../ts/model/params.js';
import { runTorch } from './torch.js';

const VOCAB = 2200;
const PROMPTS = 64,
  GROUP = 6,
  PROMPT_LEN = 128,
  MAX_NEW = 32,
  TEMPERATURE = 1;

export async function benchSample(): Promise<void> {
  const gpu = await Gpu.create();
  const config = preset('mini', VOCAB);
  let s = 12345;
  const rand = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % VOCAB;
  const prompts = Array.from({ length: PROMPTS }, () => Int32Array.from({ length: PROMPT_LEN }, rand));
  const rows = PROMPTS * GROUP;
  const model = new InferenceModel(gpu, config, initParams(config, paramLayout(config), 1), { decodeBatch: rows });
  const o = { maxNew: MAX_NEW, stopId: -1, temperature: TEMPERATURE, seed: 1, group: GROUP };
  await model.sample(prompts.slice(0, 1), { ...o, maxNew: 2 }); // compiles the pipelines
  const t = performance.now();
  const out = await model.sample(prompts, o);
  const seconds = (performance.now() - t) / 1000;
  const tokens = out.tokens.reduce((a, x) => a + x.length, 0);
  const ours = tokens / seconds;
  const peer = runTorch<{ tokens_per_s: number; seconds: number }>('sample_bench.py', {
    config,
    prompts: prompts.map((p) => Array.from(p)),
    group: GROUP,
    max_new: MAX_NEW,
    temperature: TEMPERATURE,
    seed: 1,
  });
  const what = `${PROMPTS} prompts x ${GROUP}, prompt ${PROMPT_LEN}, ${MAX_NEW} new tokens, T=${TEMPERATURE}`;
  const line = peer.result
    ? `mini sample: ${ours.toFixed(0)} tokens/s (${seconds.toFixed(1)} s), PyTorch ${peer.result.tokens_per_s.toFixed(0)} tokens/s (${peer.result.seconds.toFixed(1)} s), ${(ours / peer.result.tokens_per_s).toFixed(3)}x`
    : `mini sample: ${ours.toFixed(0)} tokens/s (${peer.reason})`;
  process.stderr.write(`${line}   [${what}, ${gpu.adapterName}]\n`);
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
