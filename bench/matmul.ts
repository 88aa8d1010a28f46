// Matmul GFLOP/s on the chosen adapter beside PyTorch (CPU) on the same products, in the same run.
import { Gpu } from '../ts/gpu/index.js';
import { castF16 } from '../ts/ops/cast.js';
import { matmul, type MatmulArgs, type MatmulVariant } from '../ts/ops/matmul.js';
import { median, runTorch, torchThreads } from './torch.js';

export interface MatmulCase {
  name: string;
  M: number;
  N: number;
  K: number;
  transA?: boolean;
  transB?: boolean;
  reps: number;
  /** Products per timed submission (default 1): many, where one product takes microseconds. */
  inner?: number;
}

// SPEC §3 `paper` model at sequence 2048 (T = 2048 tokens): hidden 768, FFN 3072, 2 KV heads of 64,
// vocabulary 2200. Linear weights are stored [out, in] (Hugging Face), so forward products are A·Bᵀ.
const T = 2048;
const cases: MatmulCase[] = [
  ...[256, 512, 1024, 2048].map((n) => ({ name: `square ${n}`, M: n, N: n, K: n, reps: n >= 2048 ? 3 : 5 })),
  { name: 'paper q/o proj  x·Wᵀ [2048x768]·[768x768]ᵀ', M: T, N: 768, K: 768, transB: true, reps: 3 },
  { name: 'paper k/v proj  x·Wᵀ [2048x768]·[128x768]ᵀ', M: T, N: 128, K: 768, transB: true, reps: 3 },
  { name: 'paper gate/up   x·Wᵀ [2048x768]·[3072x768]ᵀ', M: T, N: 3072, K: 768, transB: true, reps: 3 },
  { name: 'paper down      x·Wᵀ [2048x3072]·[768x3072]ᵀ', M: T, N: 768, K: 3072, transB: true, reps: 3 },
  { name: 'paper lm head   x·Eᵀ [2048x768]·[2200x768]ᵀ', M: T, N: 2200, K: 768, transB: true, reps: 3 },
  { name: 'paper attn QKᵀ  [2048x64]·[2048x64]ᵀ', M: T, N: T, K: 64, transB: true, reps: 3 },
  { name: 'paper attn PV   [2048x2048]·[2048x64]', M: T, N: 64, K: T, reps: 3 },
  { name: 'paper dW up     dYᵀ·x [3072x2048]ᵀ·[2048x768]', M: 3072, N: 768, K: T, transA: true, reps: 3 },
  { name: 'paper dx down   dY·W [2048x768]·[768x3072]', M: T, N: 3072, K: 768, reps: 3 },
];

/**
 * Median seconds of one product of case `c` on `gpu`, on `variant` (default: the one in use); `f16`:
 * A and B stored as f16 (cast on the device from the same f32 values), sums in f32 (matmul's f16
 * option; needs shader-f16).
 */
export async function timeMatmul(
  gpu: Gpu,
  c: MatmulCase,
  { f16 = false, variant }: { f16?: boolean; variant?: MatmulVariant } = {},
): Promise<number> {
  const operand = (n: number, step: number, label: string) => {
    const x = gpu.buffer(n * 4, label);
    gpu.write(
      x,
      Float32Array.from({ length: n }, (_, i) => ((i * step) % 1000) / 1000 - 0.5),
    );
    return x;
  };
  const a32 = operand(c.M * c.K, 7919, 'a');
  const b32 = operand(c.K * c.N, 104729, 'b');
  const half = (x: GPUBuffer, n: number, label: string) => {
    const y = gpu.buffer(Math.ceil(n / 2) * 4, label);
    return { y, cast: castF16({ x, y, n }) };
  };
  const [a, b] = f16 ? [half(a32, c.M * c.K, 'a f16'), half(b32, c.K * c.N, 'b f16')] : [];
  if (a && b) await gpu.run([a.cast, b.cast]);
  const out = gpu.buffer(c.M * c.N * 4, 'c');
  const d = matmul({
    a: a?.y ?? a32,
    b: b?.y ?? b32,
    c: out,
    M: c.M,
    N: c.N,
    K: c.K,
    transA: c.transA,
    transB: c.transB,
    f16,
    variant,
  } as MatmulArgs);
  const inner = c.inner ?? 1;
  const list = Array.from({ length: inner }, () => d);
  await gpu.run(list);
  await gpu.sync();
  const times: number[] = [];
  for (let r = 0; r < c.reps; r++) {
    const t = performance.now();
    await gpu.run(list);
    await gpu.sync();
    times.push((performance.now() - t) / 1000 / inner);
  }
  for (const x of [a32, b32, out, a?.y, b?.y]) x?.destroy();
  return median(times);
}

export async function benchMatmul(): Promise<void> {
  const gpu = await Gpu.create();
  const torch = runTorch<{ torch: string; threads: number; results: { name: string; median_s: number }[] }>(
    'matmul_bench.py',
    cases,
  );
  if (torch.reason) process.stderr.write(`${torch.reason}\n`);
  else
    process.stderr.write(
      `peer: PyTorch ${torch.result!.torch} on CPU, ${torch.result!.threads} threads (tcmalloc, OMP/OPENBLAS threads = ${torchThreads()})\n`,
    );
  const rows: object[] = [];
  for (const c of cases) {
    const flop = 2 * c.M * c.N * c.K;
    const s = await timeMatmul(gpu, c);
    const peer = torch.result?.results.find((r) => r.name === c.name)?.median_s;
    const ours = flop / s / 1e9;
    const theirs = peer ? flop / peer / 1e9 : undefined;
    const ratio = theirs ? ours / theirs : undefined;
    process.stderr.write(
      `${c.name.padEnd(48)} ${ours.toFixed(2).padStart(7)} GFLOP/s` +
        (theirs ? `   PyTorch ${theirs.toFixed(1).padStart(6)} GFLOP/s   ${ratio!.toFixed(3)}x\n` : '\n'),
    );
    rows.push({ bench: 'matmul', case: c.name, adapter: gpu.adapterName, gflops: ours, torch_gflops: theirs, ratio });
  }
  // The other setting of Dawn's robustness transform than the adapter's default, for the record.
  const other = await Gpu.create({ fast: gpu.adapterKind !== 'lavapipe', announce: false });
  const label = gpu.adapterKind !== 'lavapipe' ? 'off' : 'on';
  const c1024 = cases.find((c) => c.name === 'square 1024')!;
  const otherS = await timeMatmul(other, c1024);
  process.stderr.write(
    `square 1024 with Dawn robustness ${label}: ${((2 * 1024 ** 3) / otherS / 1e9).toFixed(2)} GFLOP/s\n`,
  );
  rows.push({
    bench: 'matmul',
    case: `square 1024 robustness ${label}`,
    adapter: other.adapterName,
    gflops: (2 * 1024 ** 3) / otherS / 1e9,
  });
  for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
}
