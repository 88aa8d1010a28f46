// The run store contract (test/util/store-contract.ts) on the stores Node runs: in memory, and on
// disk with the lock held by a second process.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore } from '../../ts/io/node-store.js';
import { MemoryStore } from '../../ts/store/memory.js';
import type { RunStore } from '../../ts/store/store.js';
import { type StoreFixture, storeContract } from '../util/store-contract.js';

function contract(name: string, fixture: () => Promise<StoreFixture>): void {
  describe(name, () => {
    for (const c of storeContract) it(c.name, async () => c.run(await fixture()));
  });
}

contract('MemoryStore', async () => {
  const store = new MemoryStore();
  return { store, other: new MemoryStore(store), root: '' };
});

// NodeStore's lock is per process, so its other holder is a child process taking the lock through
// NodeStore (bundled with esbuild): it prints 'locked' or 'refused <message>', and releases when
// its stdin closes.
const LOCKER = `
import { NodeStore } from './ts/io/node-store.ts';
try {
  const release = await new NodeStore().lock(process.argv[2]);
  process.stdout.write('locked\\n');
  process.stdin.on('end', () => release().then(() => process.exit(0)));
  process.stdin.resume();
} catch (e) {
  process.stdout.write('refused ' + e.message + '\\n');
}
`;

let tmp = '';
let locker = '';

async function lockInChild(path: string): Promise<() => Promise<void>> {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [locker, path]);
  const exited = new Promise((resolve) => child.on('exit', resolve));
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve) => {
    lines.once('line', resolve);
    lines.once('close', () => resolve('refused the locking process ended without a word'));
  });
  if (line !== 'locked') {
    await exited;
    throw new Error(line.replace(/^refused /, ''));
  }
  return async () => {
    child.stdin.end();
    await exited;
  };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'store-test-'));
  locker = join(tmp, 'locker.mjs');
  const root = new URL('../..', import.meta.url).pathname;
  const out = await esbuild.build({
    stdin: { contents: LOCKER, resolveDir: root, loader: 'ts' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'node',
    logLevel: 'silent',
  });
  writeFileSync(locker, out.outputFiles[0].text);
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let cases = 0;
contract('NodeStore', async () => {
  const other: Pick<RunStore, 'lock'> = { lock: lockInChild };
  return { store: new NodeStore(), other, root: mkdtempSync(join(tmp, `case-${cases++}-`)) };
});

describe('MemoryStore beyond the contract', () => {
  it('refuses a second lock from the same holder, and paths that leave the store', async () => {
    const s = new MemoryStore();
    const release = await s.lock('run/.lock');
    await expect(s.lock('run/.lock')).rejects.toThrow(`run/.lock is locked by ${s.owner}`);
    await release();
    await expect(s.read('../outside')).rejects.toThrow("'..' is not allowed");
  });

  it('keeps a file and a directory of one name apart with a clear error', async () => {
    const s = new MemoryStore();
    await s.write('a/f', 'x');
    await expect(s.write('a/f/g', 'y')).rejects.toThrow('cannot make directory a/f: it is a file');
    await expect(s.write('a', 'y')).rejects.toThrow('cannot write a: it is a directory');
    await expect(s.rename('a', 'a/inner')).rejects.toThrow('cannot move into itself');
    await expect(s.rename('nothing', 'b')).rejects.toThrow('cannot rename nothing: no such file');
  });
});
