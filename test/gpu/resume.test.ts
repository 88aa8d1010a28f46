// A pre-training run killed with SIGKILL midway and resumed ends bit-identical to an uninterrupted
// run (weights, optimizer state, trainer state); so do two runs with one seed.
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

function run(out: string, cfgFile: string): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'pretrain', '--config', cfgFile, '--out', out], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      if (code) process.stderr.write(err);
      resolve({ code, signal });
    });
  });
}

function killAfterCheckpoint(out: string, cfgFile: string, step: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, 'pretrain', '--config', cfgFile, '--out', out], { stdio: 'ignore' });
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

describe('resume', () => {
  it('killed with SIGKILL after a checkpoint and resumed, ends bit-identical to an uninterrupted run', async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
    const tmp = mkdtempSync(join(tmpdir(), 'resume-'));
    const cfgFile = join(tmp, 'run.json');
    writeFileSync(cfgFile, JSON.stringify(config));
    const a = join(tmp, 'a'), b = join(tmp, 'b'), c = join(tmp, 'c');
    expect((await run(a, cfgFile)).code).toBe(0);
    expect(await killAfterCheckpoint(b, cfgFile, 4)).toBe('SIGKILL');
    const interrupted = readFileSync(join(b, 'checkpoints', 'latest'), 'utf8').trim();
    expect(interrupted < 'step-00000012').toBe(true); // it really stopped midway
    expect((await run(b, cfgFile)).code).toBe(0);
    expect((await run(c, cfgFile)).code).toBe(0);
    const fa = final(a), fb = final(b), fc = final(c);
    expect(fa.state.step).toBe(12);
    expect(fb.model.equals(fa.model)).toBe(true);
    expect(fb.optimizer.equals(fa.optimizer)).toBe(true);
    expect(fb.state).toEqual(fa.state);
    expect(fc.model.equals(fa.model)).toBe(true); // one seed, one adapter: the same weights
    const metrics = readFileSync(join(a, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.loss !== undefined).length).toBe(12);
  }, 300_000);
});
