// `npm run bench -- gpu [--quick] [--out FILE]`: the figures a discrete GPU is judged by (issue 14),
// on the chosen adapter, each beside PyTorch in the same run: on CUDA at fp32, TF32 and bf16
// autocast when a CUDA PyTorch is found, else on the CPU (fp32), else a row saying why none ran.
// matmul TFLOP/s at the `paper` model's shapes over one paper micro-batch of tokens on every variant
// the device allows (f32; f16 operands on the block tiles), attention forward and forward+backward
// per variant, training tokens/s (mini, paper) on the kernels the stages would choose (chooseKernels),
// the deterministic exp/log's cost
// (mini's training tokens/s with them over with the platform builtins, same run), sampling tokens/s,
// and the adapter.
// --quick shrinks every shape and count so the whole section runs in a minute or two on lavapipe.
import { writeFileSync } from 'node:fs';
import { Gpu } from '../ts/gpu/index.js';
import { preset as modelPreset } from '../ts/model/config.js';
import { preset } from '../ts/config/presets.js';
import { chooseKernels } from '../ts/model/products.js';
import { eligibleMatmulVariants } from '../ts/ops/matmul_select.js';
import { attentionVariants, timeAttention, type AttentionCase } from './attention.js';
import { timeMatmul, type MatmulCase } from './matmul.js';
import { describeSample, engineSampling, type SampleShape } from './sample.js';
import { CPU_FP32, probeTorch, runTorch, type PeerSetting } from './torch.js';
import { describeCost, engineStepSeconds, transcendentalsCost, type TrainCase } from './train.js';

const VOCAB = 2200;
const quick = process.argv.includes('--quick');

interface Peer {
  setting: string;
  value?: number;
  reason?: string;
}
interface Row {
  part: 'matmul' | 'attention' | 'train' | 'sample';
  case: string;
  unit: string;
  ours?: number;
  error?: string;
  peers: Peer[];
  /** What the figure is made of, where it is a ratio of our own figures. */
  note?: string;
}

const paperModel = modelPreset('paper', VOCAB);
const paperRun = preset('pretrain', 'paper-pretrain') as { batch_size: number; seq_len: number };
const miniRun = preset('pretrain', 'mini-pretrain') as { batch_size: number; seq_len: number };

// One paper micro-batch of tokens (batch_size x seq_len of `paper-pretrain`), or 256 with --quick.
const T = quick ? 256 : paperRun.batch_size * paperRun.seq_len;
const D = paperModel.hidden_size;
const F = paperModel.intermediate_size;
const KV = paperModel.num_key_value_heads * (D / paperModel.num_attention_heads);
const reps = quick ? 2 : 5;
const inner = quick ? 1 : 3;
const MATMUL: MatmulCase[] = [
  { name: `q/o proj  x·Wᵀ [${T}x${D}]·[${D}x${D}]ᵀ`, M: T, N: D, K: D, transB: true, reps, inner },
  { name: `k/v proj  x·Wᵀ [${T}x${D}]·[${KV}x${D}]ᵀ`, M: T, N: KV, K: D, transB: true, reps, inner },
  { name: `gate/up   x·Wᵀ [${T}x${D}]·[${F}x${D}]ᵀ`, M: T, N: F, K: D, transB: true, reps, inner },
  { name: `down      x·Wᵀ [${T}x${F}]·[${D}x${F}]ᵀ`, M: T, N: D, K: F, transB: true, reps, inner },
  { name: `lm head   x·Eᵀ [${T}x${D}]·[${VOCAB}x${D}]ᵀ`, M: T, N: VOCAB, K: D, transB: true, reps, inner },
  { name: `dW up     dYᵀ·x [${F}x${T}]·[${T}x${D}]`, M: F, N: D, K: T, transA: true, reps, inner },
  { name: `dx down   dY·W [${T}x${D}]·[${D}x${F}]`, M: T, N: F, K: D, reps, inner },
];
const heads = {
  H: paperModel.num_attention_heads,
  KVH: paperModel.num_key_value_heads,
  hd: D / paperModel.num_attention_heads,
};
const ATTENTION: AttentionCase = quick
  ? { name: 'paper heads B=1 S=128', B: 1, S: 128, ...heads, reps: 1 }
  : { name: `paper B=4 S=${paperRun.seq_len}`, B: 4, S: paperRun.seq_len, ...heads, reps: 3 };
const mini = modelPreset('mini', VOCAB);
const TRAIN: TrainCase[] = quick
  ? [
      { name: 'mini batch 2 x seq 128', config: mini, batch: 2, seq: 128, steps: 1 },
      { name: 'paper batch 1 x seq 32', config: paperModel, batch: 1, seq: 32, steps: 1 },
    ]
  : [
      { name: `mini batch 32 x seq ${miniRun.seq_len}`, config: mini, batch: 32, seq: miniRun.seq_len, steps: 5 },
      {
        name: `paper batch 4 x seq ${paperRun.seq_len}`,
        config: paperModel,
        batch: 4,
        seq: paperRun.seq_len,
        steps: 2,
      },
    ];
const SAMPLE: SampleShape = quick
  ? { prompts: 4, group: 2, promptLen: 32, maxNew: 8, temperature: 1 }
  : { prompts: 64, group: 6, promptLen: 128, maxNew: 32, temperature: 1 };

/** The PyTorch settings to compare with: CUDA at three precisions, else the CPU, else none. */
function peerSettings(): { settings: PeerSetting[]; note: string } {
  const probe = probeTorch();
  if (!probe.python) return { settings: [], note: probe.reason! };
  if (probe.cuda) {
    const settings: PeerSetting[] = (['fp32', 'tf32', 'bf16'] as const).map((precision) => ({
      device: 'cuda',
      precision,
    }));
    return { settings, note: `PyTorch ${probe.torch} on CUDA (${probe.device}) via ${probe.python}` };
  }
  return { settings: [CPU_FP32], note: `PyTorch ${probe.torch} via ${probe.python}: no CUDA, so the peer is the CPU` };
}
const label = (s: PeerSetting) =>
  s.device === 'cpu' ? 'torch cpu fp32' : `torch cuda ${s.precision === 'bf16' ? 'bf16 autocast' : s.precision}`;

/** Runs one peer script per setting; `pick` turns its output into one figure per case name. */
function peers<T>(script: string, arg: unknown, settings: PeerSetting[], pick: (r: T) => Map<string, number>) {
  return settings.map((s) => {
    const r = runTorch<T>(script, arg, s);
    return { setting: label(s), values: r.result ? pick(r.result) : undefined, reason: r.reason };
  });
}

async function attempt(row: Row, measure: () => Promise<number>): Promise<Row> {
  try {
    row.ours = await measure();
  } catch (e) {
    row.error = (e as Error).message.split('\n')[0]; // one failed case leaves the others measured
  }
  return row;
}

async function matmulRows(gpu: Gpu, settings: PeerSetting[]): Promise<Row[]> {
  type Out = { results: { name: string; median_s: number }[] };
  const flop = (c: MatmulCase) => 2 * c.M * c.N * c.K;
  const theirs = peers<Out>('matmul_bench.py', MATMUL, settings, (r) => {
    const m = new Map<string, number>();
    for (const x of r.results) m.set(x.name, flop(MATMUL.find((c) => c.name === x.name)!) / x.median_s / 1e12);
    return m;
  });
  const rows: Row[] = [];
  // Every variant the device's limits allow, each shape in f32, then with f16 operands and f32 sums
  // (matmul's f16 option) on the block tiles where the device has shader-f16; beside the same peers
  // (bf16 autocast is theirs at 16 bits).
  const variants = eligibleMatmulVariants(gpu.limits);
  for (const f16 of [false, true])
    for (const variant of f16 ? variants.filter((v) => v !== 'lavapipe') : variants)
      for (const c of MATMUL) {
        const peersOf = theirs.map((p) => ({ setting: p.setting, value: p.values?.get(c.name), reason: p.reason }));
        const name = `${f16 ? 'f16' : 'f32'} ${c.name} [${variant}]`;
        const row: Row = { part: 'matmul', case: name, unit: 'TFLOP/s', peers: peersOf };
        if (f16 && !gpu.hasF16) rows.push({ ...row, error: 'the device lacks shader-f16' });
        else rows.push(await attempt(row, async () => flop(c) / (await timeMatmul(gpu, c, { f16, variant })) / 1e12));
      }
  return rows;
}

async function attentionRows(gpu: Gpu, settings: PeerSetting[]): Promise<Row[]> {
  type Out = { results: { name: string; forward_s: number; train_s: number }[] };
  const c = ATTENTION;
  const tokens = c.B * c.S;
  const theirs = peers<Out>('attention_bench.py', [c], settings, (r) => {
    const x = r.results[0];
    return new Map([
      ['forward', tokens / x.forward_s],
      ['train', tokens / x.train_s],
    ]);
  });
  const rows: Row[] = [];
  // Each variant the adapter can run (ts/ops/attention_tiled.ts), forward and backward.
  for (const variant of attentionVariants(gpu)) {
    let ours: { forward: number; train: number } | undefined;
    for (const kind of ['forward', 'train'] as const) {
      const peersOf = theirs.map((p) => ({ setting: p.setting, value: p.values?.get(kind), reason: p.reason }));
      const name = `${c.name} H=${c.H} KVH=${c.KVH} hd=${c.hd} ${kind === 'train' ? 'fwd+bwd' : 'fwd'} [${variant}]`;
      const row: Row = { part: 'attention', case: name, unit: 'tokens/s', peers: peersOf };
      rows.push(
        await attempt(row, async () => {
          ours ??= await timeAttention(gpu, c, variant);
          return tokens / ours[kind];
        }),
      );
    }
  }
  return rows;
}

async function trainRows(gpu: Gpu, settings: PeerSetting[]): Promise<Row[]> {
  const rows: Row[] = [];
  for (const c of TRAIN) {
    const row: Row = { part: 'train', case: c.name, unit: 'tokens/s', peers: [] };
    await attempt(row, async () => {
      // As the training stages do: the device's matmul and attention variants at this step's shapes.
      const { matmul, attention } = await chooseKernels(gpu, c.config, c.batch, c.seq);
      row.note = `kernels: matmul ${matmul.variant}, attention ${attention.variant}`;
      return (c.batch * c.seq) / (await engineStepSeconds(gpu, c));
    });
    const arg = { config: c.config, batch: c.batch, seq: c.seq, steps: c.steps, warmup: 1 };
    const theirs = peers<{ tokens_per_s: number }>(
      'train_bench.py',
      arg,
      settings,
      (r) => new Map([['', r.tokens_per_s]]),
    );
    row.peers = theirs.map((p) => ({ setting: p.setting, value: p.values?.get(''), reason: p.reason }));
    rows.push(row);
  }
  // Issue 13: deterministic exp/log must cost training under 5% (ratio >= 0.95).
  const c = TRAIN[0];
  const cost: Row = { part: 'train', case: `det/builtin exp+log, ${c.name}`, unit: 'x', peers: [] };
  rows.push(
    await attempt(cost, async () => {
      const r = await transcendentalsCost(gpu, c, quick ? 2 : 7);
      cost.note = describeCost(c.batch * c.seq, r);
      return r.builtin / r.deterministic;
    }),
  );
  return rows;
}

async function sampleRows(gpu: Gpu, settings: PeerSetting[]): Promise<Row[]> {
  const row: Row = { part: 'sample', case: `mini ${describeSample(SAMPLE)}`, unit: 'tokens/s', peers: [] };
  let peerArg: object | undefined;
  await attempt(row, async () => {
    const r = await engineSampling(gpu, mini, SAMPLE);
    peerArg = r.peerArg;
    return r.tokens / r.seconds;
  });
  if (peerArg) {
    const theirs = peers<{ tokens_per_s: number }>(
      'sample_bench.py',
      peerArg,
      settings,
      (r) => new Map([['', r.tokens_per_s]]),
    );
    row.peers = theirs.map((p) => ({ setting: p.setting, value: p.values?.get(''), reason: p.reason }));
  }
  return [row];
}

function show(row: Row): string {
  const fmt = (x: number) => (row.unit === 'TFLOP/s' ? x.toPrecision(3) : x.toFixed(row.unit === 'x' ? 3 : 0));
  const ours = row.ours !== undefined ? `${fmt(row.ours)} ${row.unit}` : `failed: ${row.error}`;
  const theirs = row.peers.map((p) =>
    p.value !== undefined
      ? `${p.setting} ${fmt(p.value)}${row.ours !== undefined ? ` (${(row.ours / p.value).toFixed(2)}x)` : ''}`
      : `${p.setting}: ${p.reason ?? 'no figure'}`,
  );
  const more = [...theirs, ...(row.note ? [row.note] : [])];
  return `${row.part.padEnd(9)} ${row.case.padEnd(52)} ${ours}${more.length ? '   ' + more.join('   ') : ''}`;
}

export async function benchGpu(): Promise<void> {
  const t0 = performance.now();
  const gpu = await Gpu.create();
  const adapter = {
    ...gpu.adapterInfo,
    features: [...gpu.device.features].sort(),
    limits: {
      maxBufferSize: gpu.limits.maxBufferSize,
      maxStorageBufferBindingSize: gpu.limits.maxStorageBufferBindingSize,
      maxComputeWorkgroupStorageSize: gpu.limits.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: gpu.limits.maxComputeInvocationsPerWorkgroup,
    },
  };
  const { settings, note } = peerSettings();
  process.stderr.write(
    `adapter: ${JSON.stringify(adapter)}\npeer: ${note}${quick ? '\n--quick: shrunk shapes' : ''}\n`,
  );
  const rows: Row[] = [];
  // Rewritten after every row, so a run stopped by a time limit keeps what it measured.
  const i = process.argv.indexOf('--out');
  const save = (done: boolean) => {
    const report = { adapter, peer: note, quick, tokens: T, seconds: (performance.now() - t0) / 1000, done, rows };
    if (i > 0) writeFileSync(process.argv[i + 1], JSON.stringify(report, null, 2) + '\n');
  };
  // Training first: scripts/gpu-session.sh sizes its training budgets by the mini row. TF32 is a
  // matmul setting; elsewhere the peer runs fp32 and bf16 autocast (each peer start costs seconds).
  const noTf32 = settings.filter((s) => s.precision !== 'tf32');
  const parts = [
    () => trainRows(gpu, noTf32),
    () => matmulRows(gpu, settings),
    () => attentionRows(gpu, noTf32),
    () => sampleRows(gpu, noTf32),
  ];
  for (const part of parts) {
    for (const row of await part()) {
      rows.push(row);
      process.stderr.write(show(row) + '\n');
      process.stdout.write(JSON.stringify({ bench: 'gpu', adapter: gpu.adapterName, ...row }) + '\n');
      save(false);
    }
  }
  save(true);
}
