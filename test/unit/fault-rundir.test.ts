// The run-directory lock and the refusal of another stage's directory (ts/ckpt/rundir.ts): a lock
// held by a live process is refused, one left by a dead process on this host is taken over (so a
// SIGKILLed run resumes), one of another host is refused; the lock goes when the stage ends. Two
// real stage processes on one directory: test/gpu/fault-stages.test.ts.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimRunDir, LOCK_FILE } from '../../ts/ckpt/rundir.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

const fresh = () => join(mkdtempSync(join(tmpdir(), 'rundir-lock-')), 'run');
const lockOf = (dir: string) => JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8')) as { pid: number; host: string };
function holdLock(dir: string, pid: number, host = hostname()): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid, host, started: new Date().toISOString() }));
}

describe('run directory lock', () => {
  it('is held while claimed, names this process, and goes on release', async () => {
    const dir = fresh();
    const release = await claimRunDir(store, dir, 'run.json', { stage: 'pretrain' });
    expect(lockOf(dir)).toMatchObject({ pid: process.pid, host: hostname() });
    await release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('refuses a directory locked by a live process, and leaves its lock alone', async () => {
    const dir = fresh();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      holdLock(dir, other.pid!);
      await expect(claimRunDir(store, dir, 'run.json', { stage: 'pretrain' })).rejects.toThrow(
        new RegExp(
          `is in use by process ${other.pid} on ${hostname()} .*; wait for it to finish, or use another --out`,
        ),
      );
      expect(lockOf(dir).pid).toBe(other.pid);
      expect(existsSync(join(dir, 'run.json'))).toBe(false);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over the lock of a process that is gone (a SIGKILLed run resumes)', async () => {
    const dir = fresh();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    holdLock(dir, Number(dead.stdout));
    const release = await claimRunDir(store, dir, 'run.json', { stage: 'pretrain' });
    expect(lockOf(dir).pid).toBe(process.pid);
    await release();
  });

  it('refuses the lock of another host (its process cannot be checked)', async () => {
    const dir = fresh();
    holdLock(dir, 1, 'elsewhere.example');
    await expect(claimRunDir(store, dir, 'run.json', { stage: 'pretrain' })).rejects.toThrow(
      /in use by process 1 on elsewhere\.example .*delete .*run\.lock if that process is gone/,
    );
  });

  it("takes over another host's lock for a queue worker (foreignLocks: 'take-over'), not a live local one", async () => {
    const worker = new NodeStore({ foreignLocks: 'take-over' });
    const dir = fresh();
    holdLock(dir, 1, 'elsewhere.example');
    await (
      await claimRunDir(worker, dir, 'run.json', { stage: 'pretrain' })
    )();
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' });
    try {
      holdLock(dir, other.pid!);
      await expect(claimRunDir(worker, dir, 'run.json', { stage: 'pretrain' })).rejects.toThrow(/is in use by process/);
    } finally {
      other.kill('SIGKILL');
    }
  });

  it('takes over a lock cut short by a kill mid-write', async () => {
    const dir = fresh();
    mkdirSync(dir);
    writeFileSync(join(dir, LOCK_FILE), '{"pid": 12');
    await (
      await claimRunDir(store, dir, 'run.json', { stage: 'pretrain' })
    )();
  });

  it('releases the lock when the directory is refused for its config', async () => {
    const dir = fresh();
    await (
      await claimRunDir(store, dir, 'run.json', { stage: 'pretrain', lr: 1 })
    )();
    await expect(claimRunDir(store, dir, 'run.json', { stage: 'pretrain', lr: 2 })).rejects.toThrow(
      /different configuration/,
    );
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });
});

describe('a run directory of another kind', () => {
  it('refuses the directory of another stage, naming it', async () => {
    const pre = fresh();
    await (
      await claimRunDir(store, pre, 'run.json', { stage: 'pretrain' })
    )();
    await expect(claimRunDir(store, pre, 'rl.json', { steps: 2 })).rejects.toThrow(
      /is the run directory of another stage \(pre\/mid-training: run\.json\); give this stage its own --out/,
    );
    await expect(claimRunDir(store, pre, 'run.json', { stage: 'midtrain' })).rejects.toThrow(
      /is the run directory of a pretrain stage, not midtrain; give this stage its own --out/,
    );
    const rl = fresh();
    await (
      await claimRunDir(store, rl, 'rl.json', { steps: 2 })
    )();
    await expect(claimRunDir(store, rl, 'run.json', { stage: 'midtrain' })).rejects.toThrow(
      /another stage \(RL: rl\.json\)/,
    );
  });

  it('refuses a directory that holds something else (a dataset), and a corrupted config', async () => {
    const data = fresh();
    mkdirSync(data);
    writeFileSync(join(data, 'index.json'), '{}');
    await expect(claimRunDir(store, data, 'run.json', { stage: 'pretrain' })).rejects.toThrow(
      /is not a run directory \(it holds index\.json\); give a new or empty --out/,
    );
    const cut = fresh();
    await (
      await claimRunDir(store, cut, 'run.json', { stage: 'pretrain' })
    )();
    writeFileSync(join(cut, 'run.json'), '{"stage": "pre');
    await expect(claimRunDir(store, cut, 'run.json', { stage: 'pretrain' })).rejects.toThrow(
      /run\.json is not valid JSON \(corrupted\?\); restore it, or use another --out/,
    );
  });
});
