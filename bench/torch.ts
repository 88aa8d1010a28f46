// Runs a PyTorch peer script as users run PyTorch at its best on these machines: tcmalloc preloaded
// and the BLAS/OpenMP thread counts fixed before torch is imported (without them it is ~5x slower);
// on CPU by default, or on CUDA at a named precision (tools/torch/peer.py).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';

export function torchThreads(): number {
  return Number(process.env.BENCH_THREADS ?? cpus().length);
}

/** Where a peer runs: the device, and for CUDA the precision (fp32, tf32, or bf16 autocast). */
export interface PeerSetting {
  device: 'cpu' | 'cuda';
  precision: 'fp32' | 'tf32' | 'bf16';
}
export const CPU_FP32: PeerSetting = { device: 'cpu', precision: 'fp32' };

/** The interpreter with torch, what it offers, or why there is none. */
export interface TorchProbe {
  python?: string;
  torch?: string;
  cuda?: boolean;
  device?: string;
  reason?: string;
}
let probed: TorchProbe | undefined;

const PROBE =
  'import json, torch; c = torch.cuda.is_available(); ' +
  'print(json.dumps({"torch": torch.__version__, "cuda": c, "device": torch.cuda.get_device_name() if c else "CPU"}))';

/**
 * The first of $BENCH_PYTHON, python3 on PATH and Debian's /usr/bin/python3 that imports torch (a
 * pyenv python3 earlier on PATH may lack it; on a GPU server the PATH one is the CUDA build).
 */
export function probeTorch(): TorchProbe {
  if (probed) return probed;
  const candidates = [process.env.BENCH_PYTHON, 'python3', '/usr/bin/python3'].filter((p): p is string => !!p);
  const reasons: string[] = [];
  for (const python of [...new Set(candidates)]) {
    try {
      const out = execFileSync(python, ['-c', PROBE], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return (probed = { python, ...(JSON.parse(out.trim().split('\n').pop()!) as TorchProbe) });
    } catch (e) {
      const msg = ((e as { stderr?: string }).stderr || (e as Error).message).trim().split('\n').pop();
      reasons.push(`${python}: ${msg}`);
    }
  }
  return (probed = {
    reason: `PyTorch peer unavailable (${reasons.join('; ')}); install python3-torch (scripts/setup-system.sh)`,
  });
}

/** tools/torch beside the running code: the checkout's (dist/node/, bench/) or the offline bundle's. */
function toolsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 3; up++, dir = dirname(dir)) {
    if (existsSync(join(dir, 'tools/torch/peer.py'))) return join(dir, 'tools/torch');
  }
  throw new Error(`tools/torch not found above ${fileURLToPath(import.meta.url)}`);
}

/** Runs tools/torch/<script> with JSON args; returns its JSON output, or undefined (with a reason) when torch is absent. */
export function runTorch<T>(script: string, arg: unknown, setting = CPU_FP32): { result?: T; reason?: string } {
  const probe = probeTorch();
  if (!probe.python) return { reason: probe.reason };
  const threads = String(torchThreads());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
    MKL_NUM_THREADS: threads,
    BENCH_TORCH_DEVICE: setting.device,
    BENCH_TORCH_PRECISION: setting.precision,
  };
  if (existsSync(TCMALLOC)) env.LD_PRELOAD = TCMALLOC;
  try {
    const out = execFileSync(probe.python, [join(toolsDir(), script), JSON.stringify(arg)], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    return { result: JSON.parse(out.trim().split('\n').pop()!) as T };
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr || (e as Error).message;
    return { reason: `PyTorch peer failed on ${setting.device} ${setting.precision}: ${msg.trim().split('\n').pop()}` };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
