// The run store contract (test/util/store-contract.ts) on the stores Node runs: in memory and on disk.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../ts/store/memory.js';
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
