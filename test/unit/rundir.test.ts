import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimRunDir, truncateMetrics } from '../../ts/ckpt/rundir.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

describe('run directory', () => {
  it('keeps the run config and refuses another one', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'rundir-')), 'run');
    await claimRunDir(store, out, 'run.json', { lr: 1 });
    await claimRunDir(store, out, 'run.json', { lr: 1 }); // the same config resumes
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toEqual({ lr: 1 });
    await expect(claimRunDir(store, out, 'run.json', { lr: 2 })).rejects.toThrow(/different configuration/);
  });
  it('keeps metric rows up to the checkpoint step and drops a line cut short', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'rundir-')), 'metrics.jsonl');
    writeFileSync(
      file,
      [1, 2, 3, 4].map((step) => JSON.stringify({ step, loss: 1 / step })).join('\n') + '\n{"step": 5, "lo',
    );
    await truncateMetrics(store, file, 2);
    expect(
      readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).step),
    ).toEqual([1, 2]);
    await truncateMetrics(store, file, 0); // a fresh start clears rows of a run killed before its first checkpoint
    expect(readFileSync(file, 'utf8')).toBe('');
  });
});
