// Training tokens/s of the engine beside the PyTorch peer (same model, batch and sequence length,
// AdamW, clipping) measured in the same run; the cost of the deterministic exp and log (issue 13):
// the same model's steps with them and with the platform builtins, interleaved; and one
// `paper`-config step's time and peak memory.
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { Gpu } from '../ts/gpu/index.js';
import { setTranscendentals, type Transcendentals } from '../ts/gpu/kernel.js';
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

/** A model of case `c` with one batch, and a timed optimizer step (its step count goes up by one). */
function stepper(gpu: Gpu, c: TrainCase): () => Promise<number> {
  const layout = paramLayout(c.config);
  const model = new TrainingModel(
    gpu,
    c.config,
    { params: initParams(c.config, layout, 1) },
    { batch: c.batch, seqLen: c.seq },
    { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0.1, clip: 1 },
  );
  const batch = randomBatch(c.config, c.batch * c.seq, 7);
  let step = 0;
  return async () => {
    const t = performance.now();
    await model.trainStep([batch], 1e-3, ++step);
    return (performance.now() - t) / 1000;
  };
}

/** Median seconds of one optimizer step of our engine on case `c` (after a compiling step). */
export async function engineStepSeconds(gpu: Gpu, c: TrainCase): Promise<number> {
  const step = stepper(gpu, c);
  await step(); // compiles the pipelines
  const times: number[] = [];
  for (let i = 0; i < c.steps; i++) times.push(await step());
  return median(times);
}

const WARMUP_STEPS = 10;
const COST_REPS = 5;

export type TranscendentalsCost = Record<Transcendentals, number> & { reps: number };

/**
 * Median step seconds of case `c` with the deterministic exp and log and with the platform builtins
 * (setTranscendentals, a bench-only switch): one model, warm-up steps in each mode, then `reps`
 * steps in each, interleaved, so both see the same machine load.
 */
export async function transcendentalsCost(gpu: Gpu, c: TrainCase, reps: number): Promise<TranscendentalsCost> {
  const step = stepper(gpu, c);
  const modes: Transcendentals[] = ['deterministic', 'builtin'];
  const times: Record<Transcendentals, number[]> = { deterministic: [], builtin: [] };
  try {
    for (const m of modes) {
      setTranscendentals(m);
      // A compiling step, then steps until Gpu's wait estimate for this mode's pipelines is the
      // step's real time: it starts from a step that polled (up to 2x slower on lavapipe) and
      // comes down 10% a step; until then a step's time is mostly the estimate's sleep.
      for (let i = 0; i < 1 + WARMUP_STEPS; i++) await step();
    }
    // A B B A A B ...: a machine that speeds up or slows down over the run favours neither mode.
    for (let i = 0; i < reps; i++)
      for (const m of i % 2 ? [...modes].reverse() : modes) {
        setTranscendentals(m);
        times[m].push(await step());
      }
  } finally {
    setTranscendentals('deterministic');
  }
  return { deterministic: median(times.deterministic), builtin: median(times.builtin), reps };
}

/** "deterministic exp/log vs builtin: A vs B tokens/s, R x (medians of N interleaved steps each)". */
export function describeCost(tokens: number, cost: TranscendentalsCost): string {
  const [det, builtin] = [tokens / cost.deterministic, tokens / cost.builtin];
  return (
    `deterministic exp/log vs builtin: ${det.toFixed(0)} vs ${builtin.toFixed(0)} tokens/s, ` +
    `${(det / builtin).toFixed(3)}x (medians of ${cost.reps} interleaved steps each)`
  );
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
  // The cost of the deterministic transcendentals on the first case (a d=256 step takes ~25 s here).
  const c = CASES[0];
  const tokens = c.batch * c.seq;
  const cost = await transcendentalsCost(gpu, c, COST_REPS);
  process.stderr.write(`${c.name} ${describeCost(tokens, cost)}   [load average ${loadavg()[0].toFixed(2)}]\n`);
  process.stdout.write(
    JSON.stringify({
      bench: 'train',
      case: `${c.name}: deterministic exp/log vs builtin`,
      adapter: gpu.adapterName,
      reps: cost.reps,
      deterministic_tokens_per_s: tokens / cost.deterministic,
      builtin_tokens_per_s: tokens / cost.builtin,
      ratio: cost.builtin / cost.deterministic,
      load_average: loadavg()[0],
    }) + '\n',
  );
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
