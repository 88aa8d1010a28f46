// Runs a PyTorch peer script as users run PyTorch at its best on these machines: tcmalloc preloaded
// and the BLAS/OpenMP thread counts fixed before torch is imported (without them it is ~5x slower).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';

const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';
// Debian's interpreter, where python3-torch lives (a python3 earlier on PATH, e.g. pyenv's, lacks it).
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

export function torchThreads(): number {
  return Number(process.env.BENCH_THREADS ?? cpus().length);
}

/** Runs tools/torch/<script> with JSON args; returns its JSON output, or undefined (with a reason) when torch is absent. */
export function runTorch<T>(script: string, arg: unknown): { result?: T; reason?: string } {
  const threads = String(torchThreads());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    OMP_NUM_THREADS: threads,
    OPENBLAS_NUM_THREADS: threads,
    MKL_NUM_THREADS: threads,
  };
  if (existsSync(TCMALLOC)) env.LD_PRELOAD = TCMALLOC;
  try {
    const out = execFileSync(PYTHON, [`tools/torch/${script}`, JSON.stringify(arg)], {
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
    return { result: JSON.parse(out.trim().split('\n').pop()!) as T };
  } catch (e) {
    const msg = (e as { stderr?: string }).stderr || (e as Error).message;
    return {
      reason: `PyTorch peer unavailable (${msg.trim().split('\n').pop()}); install python3-torch (scripts/setup-system.sh)`,
    };
  }
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}
