// What every RunStore must do (ts/store/store.ts), written once and run against each implementation:
// the memory and Node stores in test/unit/store.test.ts, the OPFS store in Chromium
// (test/browser/store.test.ts). Plain assertions (no vitest), so the same cases run in a browser.
import { readText, type RunStore } from '../../ts/store/store.js';

export interface StoreFixture {
  store: RunStore;
  /** The lock of another holder of the same files (another process, page or worker). */
  other: Pick<RunStore, 'lock'>;
  /** Where the case's files go inside the store ('' for the whole store). */
  root: string;
}

/** A case's outcome where it ran out of vitest's reach (a browser): its error message, if any. */
export interface StoreCaseResult {
  name: string;
  error?: string;
}

export interface StoreCase {
  name: string;
  run(f: StoreFixture): Promise<void>;
}

function fail(what: string, got: unknown, want: unknown): never {
  throw new Error(`${what}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
}

function same(got: unknown, want: unknown, what: string): void {
  if (JSON.stringify(got) !== JSON.stringify(want)) fail(what, got, want);
}

function sameBytes(got: Uint8Array | undefined, want: ArrayLike<number>, what: string): void {
  if (!got) fail(what, got, Array.from(want));
  same(Array.from(got), Array.from(want), what);
}

async function rejects(p: Promise<unknown>, includes: string, what: string): Promise<Error> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err as Error,
  );
  if (!e) throw new Error(`${what}: resolved, want an error naming ${includes}`);
  if (!String(e.message).includes(includes)) fail(`${what}: the error`, e.message, `a message naming ${includes}`);
  return e;
}

const at = (f: StoreFixture) => (rel: string) => (f.root ? `${f.root}/${rel}` : rel);

export const storeContract: StoreCase[] = [
  {
    name: 'read of a missing file is undefined',
    async run(f) {
      const p = at(f);
      same(await f.store.read(p('none/here.txt')), undefined, 'read in a missing directory');
      await f.store.write(p('d/a.txt'), 'a');
      same(await f.store.read(p('d/b.txt')), undefined, 'read of a missing file in a directory');
    },
  },
  {
    name: 'write creates the parent directories',
    async run(f) {
      const p = at(f);
      await f.store.write(p('a/b/c.txt'), 'deep');
      same(await readText(f.store, p('a/b/c.txt')), 'deep', 'read back');
      same(await f.store.exists(p('a/b')), true, 'exists(a/b)');
      same(await f.store.list(p('a')), ['b'], 'list(a)');
    },
  },
  {
    name: 'write replaces a whole file',
    async run(f) {
      const p = at(f);
      await f.store.write(p('f.txt'), 'a long first version');
      await f.store.write(p('f.txt'), 'short');
      same(await readText(f.store, p('f.txt')), 'short', 'after the second write');
    },
  },
  {
    name: 'write keeps its own copy of the bytes',
    async run(f) {
      const p = at(f);
      const bytes = Uint8Array.of(1, 2, 3);
      await f.store.write(p('copy.bin'), bytes);
      bytes[0] = 9;
      sameBytes(await f.store.read(p('copy.bin')), [1, 2, 3], 'after the caller changed its array');
    },
  },
  {
    name: 'append creates a file, then extends it',
    async run(f) {
      const p = at(f);
      await f.store.append(p('logs/m.jsonl'), '{"step":1}\n');
      same(await readText(f.store, p('logs/m.jsonl')), '{"step":1}\n', 'after the first append');
      await f.store.append(p('logs/m.jsonl'), '{"step":2}\n');
      same(await readText(f.store, p('logs/m.jsonl')), '{"step":1}\n{"step":2}\n', 'after the second append');
    },
  },
  {
    name: 'rename moves a file, replacing the target',
    async run(f) {
      const p = at(f);
      await f.store.write(p('x.tmp'), 'new');
      await f.store.write(p('x'), 'old and longer');
      await f.store.rename(p('x.tmp'), p('x'));
      same(await readText(f.store, p('x')), 'new', 'the target');
      same(await f.store.exists(p('x.tmp')), false, 'the source is gone');
      await f.store.rename(p('x'), p('moved/here/x'));
      same(await readText(f.store, p('moved/here/x')), 'new', 'moved into a new directory');
      same(await f.store.list(f.root), ['moved'], 'what is left at the root');
    },
  },
  {
    name: 'rename moves a directory tree, replacing the target tree',
    async run(f) {
      const p = at(f);
      await f.store.write(p('ckpt.tmp/model.safetensors'), Uint8Array.of(0, 255, 7));
      await f.store.write(p('ckpt.tmp/sub/state.json'), '{"step":40}');
      await f.store.write(p('ckpt/model.safetensors'), 'stale weights');
      await f.store.write(p('ckpt/stale.txt'), 'from the older checkpoint');
      await f.store.rename(p('ckpt.tmp'), p('ckpt'));
      same(await f.store.exists(p('ckpt.tmp')), false, 'the source is gone');
      same(await f.store.list(p('ckpt')), ['model.safetensors', 'sub'], 'list(ckpt)');
      sameBytes(await f.store.read(p('ckpt/model.safetensors')), [0, 255, 7], 'moved file');
      same(await readText(f.store, p('ckpt/sub/state.json')), '{"step":40}', 'moved nested file');
    },
  },
  {
    name: 'list is sorted, and [] for a missing directory',
    async run(f) {
      const p = at(f);
      for (const name of ['b', 'a', 'C', '10', '9']) await f.store.write(p(`l/${name}`), name);
      await f.store.mkdir(p('l/d'));
      // UTF-16 code unit order, as Array.prototype.sort: digits, upper case, lower case.
      same(await f.store.list(p('l')), ['10', '9', 'C', 'a', 'b', 'd'], 'list(l)');
      same(await f.store.list(p('missing')), [], 'list(missing)');
    },
  },
  {
    name: 'exists sees files and directories',
    async run(f) {
      const p = at(f);
      await f.store.write(p('e/file.txt'), '');
      same(await f.store.exists(p('e/file.txt')), true, 'an empty file');
      same(await f.store.exists(p('e')), true, 'a directory');
      same(await f.store.exists(p('e/nothing')), false, 'a missing path');
      same(await f.store.exists(p('nothing/deeper')), false, 'a path under a missing directory');
    },
  },
  {
    name: 'mkdir creates parents and keeps an existing directory',
    async run(f) {
      const p = at(f);
      await f.store.mkdir(p('m/n/o'));
      same(await f.store.exists(p('m/n/o')), true, 'the new directory');
      same(await f.store.list(p('m/n/o')), [], 'its entries');
      await f.store.write(p('m/n/o/kept.txt'), 'kept');
      await f.store.mkdir(p('m/n/o'));
      same(await readText(f.store, p('m/n/o/kept.txt')), 'kept', 'a file in it after a second mkdir');
    },
  },
  {
    name: 'remove deletes a tree or a file, and does nothing when absent',
    async run(f) {
      const p = at(f);
      await f.store.write(p('r/a.txt'), 'a');
      await f.store.write(p('r/s/b.txt'), 'b');
      await f.store.write(p('keep/a.txt'), 'a');
      await f.store.write(p('keep/b.txt'), 'b');
      await f.store.remove(p('r'));
      same(await f.store.exists(p('r')), false, 'the removed tree');
      same(await f.store.read(p('r/s/b.txt')), undefined, 'a file deep in it');
      await f.store.remove(p('r'));
      await f.store.remove(p('keep/a.txt'));
      same(await f.store.list(p('keep')), ['b.txt'], 'after removing one file');
    },
  },
  {
    name: 'lock refuses a second holder, naming the path, until released',
    async run(f) {
      const path = at(f)('runs/r1/.lock');
      const release = await f.other.lock(path);
      await rejects(f.store.lock(path), path, 'a second holder');
      await release();
      const mine = await f.store.lock(path);
      await rejects(f.other.lock(path), path, 'the first holder again, while the second holds it');
      await mine();
      await (
        await f.other.lock(path)
      )();
    },
  },
  {
    name: 'binary round trip of all 256 byte values',
    async run(f) {
      const p = at(f);
      const bytes = new Uint8Array(512);
      for (let i = 0; i < 256; i++) [bytes[i], bytes[511 - i]] = [i, i];
      await f.store.write(p('all.bin'), bytes);
      sameBytes(await f.store.read(p('all.bin')), bytes, 'read back');
    },
  },
  {
    name: 'text is UTF-8',
    async run(f) {
      const p = at(f);
      // é is C3 A9, 🎉 (U+1F389) is F0 9F 8E 89.
      await f.store.write(p('t.txt'), 'é🎉');
      sameBytes(await f.store.read(p('t.txt')), [0xc3, 0xa9, 0xf0, 0x9f, 0x8e, 0x89], 'written text');
      await f.store.append(p('t.txt'), 'é');
      sameBytes(await f.store.read(p('t.txt')), [0xc3, 0xa9, 0xf0, 0x9f, 0x8e, 0x89, 0xc3, 0xa9], 'appended text');
      same(await readText(f.store, p('t.txt')), 'é🎉é', 'readText');
    },
  },
];
