// A pre-training run, and an RL run from its checkpoint, killed with SIGKILL midway and resumed end
// bit-identical to uninterrupted runs (weights, optimizer state, trainer state); so do two runs with
// one seed.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/node/cli.js');

const config = {
  stage: 'pretrain', model: 'tiny', mixture: 'uniform', tokens: 12 * 2 * 32, seq_len: 32, batch_size: 2,
  lr: 3e-3, min_lr: 3e-4, warmup: 0.1, checkpoint_interval: 2, eval_ops: [2, 3], eval_per_op: 2, eval_max_new_tokens: 6, seed: 5,
};

function run(out: string, args: string[]): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (code) process.stderr.write(err);
      resolve({ code, signal });
    });
  });
}

function killAfterCheckpoint(out: string, args: string[], step: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args, '--out', out], { stdio: 'ignore' });
    const latest = join(out, 'checkpoints', 'latest');
    const timer = setInterval(() => {
      if (existsSync(latest) && readFileSync(latest, 'utf8').trim() >= `step-${String(step).padStart(8, '0')}`) {
        p.kill('SIGKILL');
        clearInterval(timer);
      }
    }, 5);
    p.on('exit', (_code, signal) => {
      clearInterval(timer);
      resolve(signal);
    });
  });
}

const final = (out: string) => {
  const dir = join(out, 'checkpoints', readFileSync(join(out, 'checkpoints', 'latest'), 'utf8').trim());
  return {
    model: readFileSync(join(dir, 'model.safetensors')),
    optimizer: readFileSync(join(dir, 'optimizer.safetensors')),
    state: JSON.parse(readFileSync(join(dir, 'trainer_state.json'), 'utf8')),
  };
};

/** Runs a stage into a, b (killed after checkpoint `killAt`, then resumed) and c; returns their final checkpoints. */
async function killedAndResumed(tmp: string, args: string[], killAt: number, steps: number) {
  const a = join(tmp, 'a'), b = join(tmp, 'b'), c = join(tmp, 'c');
  expect((await run(a, args)).code).toBe(0);
  expect(await killAfterCheckpoint(b, args, killAt)).toBe('SIGKILL');
  const interrupted = readFileSync(join(b, 'checkpoints', 'latest'), 'utf8').trim();
  expect(interrupted < `step-${String(steps).padStart(8, '0')}`).toBe(true); // it really stopped midway
  expect((await run(b, args)).code).toBe(0);
  expect((await run(c, args)).code).toBe(0);
  const fa = final(a), fb = final(b), fc = final(c);
  expect(fa.state.step).toBe(steps);
  expect(fb.model.equals(fa.model)).toBe(true);
  expect(fb.optimizer.equals(fa.optimizer)).toBe(true);
  expect(fb.state).toEqual(fa.state);
  expect(fc.model.equals(fa.model)).toBe(true); // one seed, one adapter: the same weights
  return { a, b };
}

const metricRows = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));

describe('resume', () => {
  it('killed with SIGKILL after a checkpoint and resumed, ends bit-identical to an uninterrupted run', async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
    const tmp = mkdtempSync(join(tmpdir(), 'resume-'));
    const cfgFile = join(tmp, 'run.json');
    writeFileSync(cfgFile, JSON.stringify(config));
    const { a } = await killedAndResumed(tmp, ['pretrain', '--config', cfgFile], 4, 12);
    expect(metricRows(a).filter((m) => m.loss !== undefined).length).toBe(12);

    // GRPO from that checkpoint (tiny's 128 positions: short op-2 prompts, 8-token completions), with
    // the entropy bonus on, killed after its second checkpoint.
    const rlTmp = join(tmp, 'rl');
    const sets = 'steps=4,prompts_per_step=2,num_generations=2,mini_batch_size=2,micro_batch_size=4,max_completion_length=8,max_prompt_length=120,checkpoint_interval=1,entropy_coeff=0.01,learning_rate=1e-3';
    const rl = await killedAndResumed(rlTmp, ['rl', '--init', join(a, 'checkpoints', 'step-00000012'), '--ops', '2-2', '--set', sets], 2, 4);
    const rows = metricRows(rl.b);
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4]); // the resumed run's rows, none twice
    expect(metricRows(rl.a)).toEqual(rows.map((r) => ({ ...r, seconds: expect.any(Number) })));
    for (const r of rows) {
      for (const k of ['reward_mean', 'kl', 'entropy', 'grad_norm', 'loss', 'completion_len_mean']) expect(Number.isFinite(r[k]), `${k} ${r[k]}`).toBe(true);
      expect(r.entropy).toBeGreaterThan(0);
    }
  }, 600_000);
});
