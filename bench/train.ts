// Training tokens/s of the engine beside the PyTorch peer (same model, batch and sequence length,
// AdamW, clipping) measured in the same run; and one `paper`-config step's time and peak memory.
import { readFileSync } from 'node:fs';
import { Gpu } from '../ts/gpu/index.js';
import { preset, type Qwen2Config } from '../ts/model/config.js';
import { TrainingModel } from '../ts/model/training.js';
import { initParams, paramLayout } from '../ts/model/params.js';
import type { Batch } from '../ts/model/batch.js';
import { median, runTorch } from './torch.js';

export interface TrainCase {
  name: string;
  config: Qwen2Config;
  batch: number;
  seq: number;
  steps: number;
}

const VOCAB = 2200; // the study's vocabulary size, as in the measurements quoted in DESIGN.md
const mini = preset('mini', VOCAB);
const d256: Qwen2Config = {
  ...mini,
  hidden_size: 256,
  intermediate_size: 1024,
  num_hidden_layers: 6,
  num_attention_heads: 4,
  num_key_value_heads: 2,
};
const CASES: TrainCase[] = [
  { name: 'mini (d=128, 4 layers)', config: mini, batch: 8, seq: 512, steps: 3 },
  { name: 'd=256, 6 layers', config: d256, batch: 8, seq: 512, steps: 2 },
];

function randomBatch(c: Qwen2Config, n: number, seed: number): Batch {
  let s = seed;
  const r = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) % c.vocab_size;
  return {
    ids: Uint32Array.from({ length: n }, r),
    targets: Uint32Array.from({ length: n }, r),
    mask: new Float32Array(n).fill(1),
  };
}

/** Median seconds of one optimizer step of our engine on case `c` (after a compiling step). */
export async function engineStepSeconds(gpu: Gpu, c: TrainCase): Promise<number> {
  const layout = paramLayout(c.config);
  const model = new TrainingModel(
    gpu,
    c.config,
    { params: initParams(c.config, layout, 1) },
    { batch: c.batch, seqLen: c.seq },
    { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 },
  );
  const batch = randomBatch(c.config, c.batch * c.seq, 7);
  await model.trainStep([batch], 1e-3, 1); // compiles the pipelines
  const times: number[] = [];
  for (let i = 0; i < c.steps; i++) {
    const t = performance.now();
    await model.trainStep([batch], 1e-3, i + 2);
    times.push((performance.now() - t) / 1000);
  }
  return median(times);
}

function peakRssGB(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Number(m[1]) / 1024 / 1024 : NaN;
}

export async function benchTrain(): Promise<void> {
  const gpu = await Gpu.create();
  for (const c of CASES) {
    const tokens = c.batch * c.seq;
    const ours = tokens / (await engineStepSeconds(gpu, c));
    const peer = runTorch<{ tokens_per_s: number; threads: number }>('train_bench.py', {
      config: c.config,
      batch: c.batch,
      seq: c.seq,
      steps: c.steps,
      warmup: 1,
    });
    const line = peer.result
      ? `${c.name} train: ${ours.toFixed(0)} tokens/s, PyTorch ${peer.result.tokens_per_s.toFixed(0)} tokens/s, ${(ours / peer.result.tokens_per_s).toFixed(3)}x`
      : `${c.name} train: ${ours.toFixed(0)} tokens/s (${peer.reason})`;
    process.stderr.write(
      `${line}   [batch ${c.batch} x seq ${c.seq}, vocab ${c.config.vocab_size}, ${gpu.adapterName}]\n`,
    );
    process.stdout.write(
      JSON.stringify({
        bench: 'train',
        case: c.name,
        adapter: gpu.adapterName,
        tokens_per_s: ours,
        torch_tokens_per_s: peer.result?.tokens_per_s,
        ratio: peer.result ? ours / peer.result.tokens_per_s : undefined,
      }) + '\n',
    );
  }
  if (process.argv.includes('--paper')) {
    const paper: TrainCase = {
      name: 'paper (~100M, seq 2048)',
      config: preset('paper', VOCAB),
      batch: 1,
      seq: 2048,
      steps: 1,
    };
    const s = await engineStepSeconds(gpu, paper);
    process.stderr.write(
      `paper one step (batch 1 x seq 2048): ${s.toFixed(1)} s, ${(2048 / s).toFixed(0)} tokens/s, peak RSS ${peakRssGB().toFixed(2)} GB\n`,
    );
    process.stdout.write(
      JSON.stringify({
        bench: 'train',
        case: paper.name,
        adapter: gpu.adapterName,
        step_s: s,
        peak_rss_gb: peakRssGB(),
      }) + '\n',
    );
  }
}
