// The AdamW + gradient clipping reference against PyTorch itself (tools/oracle/adamw.py runs
// clip_grad_norm_ and torch.optim.AdamW step by step). CI installs Debian's python3-torch; without
// it this test fails and says so.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AdamwHyper, ParamRange } from '../../ts/ops/adamw.js';
import { AdamwErrorBound, refAdamwStep, refGradNorm, type AdamwState } from '../../ts/ref/adamw.js';
import { randomArray, rng, testSeed } from '../util/random.js';

const seed = testSeed();
const rand = rng(seed);
const U = 2 ** -24;
const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

interface OracleOut {
  params: number[];
  m: number[];
  v: number[];
  norms: number[];
}

function torchAdamw(input: object): OracleOut {
  const env: NodeJS.ProcessEnv = { ...process.env, OMP_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' };
  if (existsSync(TCMALLOC)) env.LD_PRELOAD = TCMALLOC;
  const r = spawnSync(PYTHON, ['tools/oracle/adamw.py'], {
    input: JSON.stringify(input),
    env,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || '').trim().split('\n').pop();
    throw new Error(
      `the PyTorch oracle tools/oracle/adamw.py failed (${why}): install Debian's python3-torch (scripts/setup-system.sh does)`,
    );
  }
  return JSON.parse(r.stdout) as OracleOut;
}

// Ranges with gaps between them (left alone), both decay flags, sizes that are not multiples of 4.
const ranges: ParamRange[] = [
  { offset: 0, size: 64, decay: true },
  { offset: 64, size: 13, decay: false },
  { offset: 80, size: 100, decay: true },
  { offset: 180, size: 7, decay: true },
  { offset: 192, size: 48, decay: false },
];
const n = 250;

function inRanges(i: number): boolean {
  return ranges.some((r) => i >= r.offset && i < r.offset + r.size);
}

describe(`AdamW reference vs torch.optim.AdamW (seed ${seed})`, () => {
  for (const c of [
    {
      name: 'clipped on some steps, large lr and eps to expose any difference in order',
      maxNorm: 4,
      eps: 1e-3,
      wd: 0.1,
    },
    { name: 'no clipping, default eps', maxNorm: 0, eps: 1e-8, wd: 0.3 },
  ]) {
    it(c.name, () => {
      const steps = 5;
      const params = randomArray(n, rand, -2, 2);
      // Gradients zero outside the ranges (as the engine keeps its alignment gaps); alternate steps
      // scaled down so the norm falls below maxNorm and clipping switches off.
      const grads = Array.from({ length: steps }, (_, s) =>
        randomArray(n, rand).map((g, i) => (inRanges(i) ? g * (s % 2 ? 0.2 : 1) : 0)),
      );
      const lr = Array.from({ length: steps }, (_, s) => 0.2 / (s + 1));
      const hyper = { beta1: 0.9, beta2: 0.95, eps: c.eps, weightDecay: c.wd };
      const got = torchAdamw({
        params: [...params],
        grads: grads.map((g) => [...g]),
        lr,
        ranges,
        beta1: hyper.beta1,
        beta2: hyper.beta2,
        eps: c.eps,
        weight_decay: c.wd,
        max_norm: c.maxNorm,
      });

      const s: AdamwState = { params: Float64Array.from(params), m: new Float64Array(n), v: new Float64Array(n) };
      // torch sums the squares in f32 (per tensor, then the norms): allow (n + 2)u relative in the factor.
      const bound = new AdamwErrorBound(s, (n + 2) * U);
      const clipped: boolean[] = [];
      for (let k = 0; k < steps; k++) {
        const { norm, factor } = refGradNorm(grads[k], c.maxNorm);
        clipped.push(factor < 1);
        expect(Math.abs(got.norms[k] - norm), `seed ${seed} norm at step ${k + 1}`).toBeLessThanOrEqual(
          (n + 2) * U * norm,
        );
        const h: AdamwHyper = { ...hyper, lr: lr[k], step: k + 1 };
        refAdamwStep(s, grads[k], ranges, h, factor);
        bound.step(s, grads[k], ranges, h, factor);
      }
      if (c.maxNorm > 0)
        expect(clipped, 'the case should clip on some steps and not others').toEqual([true, false, true, false, true]);
      for (const [what, want, tol] of [
        ['params', s.params, bound.p],
        ['m', s.m, bound.m],
        ['v', s.v, bound.v],
      ] as const) {
        const gotArr = got[what];
        for (let i = 0; i < n; i++) {
          const msg = `seed ${seed} ${what}[${i}]: torch ${gotArr[i]} reference ${want[i]} allowed ${2 * tol[i]}`;
          expect(Math.abs(gotArr[i] - want[i]), msg).toBeLessThanOrEqual(2 * tol[i] + 1e-30);
        }
      }
      // Elements outside every range are untouched.
      expect(got.params[77]).toBe(params[77]);
      expect(s.params[77]).toBe(params[77]);
    });
  }
});
