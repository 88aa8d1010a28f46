// A run store in memory: files in a Map, directories in a Set (a write creates its parents, as on a
// disk), the lock held within this process. For tests and throwaway work (a sample of a dataset).
import { pathParts } from './path.js';
import type { RunStore } from './store.js';

const encoder = new TextEncoder();

/** What stores that share their files share: the tree and who holds which lock. */
interface Tree {
  files: Map<string, Uint8Array>;
  dirs: Set<string>;
  locks: Map<string, string>;
}

const key = (path: string) => pathParts(path).join('/');
const under = (dir: string) => (dir ? `${dir}/` : '');

export class MemoryStore implements RunStore {
  readonly owner = `memory-${crypto.randomUUID()}`;
  private readonly tree: Tree;

  /** An empty store, or (given `shared`) another holder of the same files, as a second worker would be. */
  constructor(shared?: MemoryStore) {
    this.tree = shared?.tree ?? { files: new Map(), dirs: new Set(['']), locks: new Map() };
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    return this.tree.files.get(key(path))?.slice();
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    const k = this.fileKey(path);
    this.tree.files.set(k, typeof data === 'string' ? encoder.encode(data) : data.slice());
  }

  async append(path: string, text: string): Promise<void> {
    const k = this.fileKey(path);
    const old = this.tree.files.get(k) ?? new Uint8Array(0);
    const add = encoder.encode(text);
    const joined = new Uint8Array(old.length + add.length);
    joined.set(old);
    joined.set(add, old.length);
    this.tree.files.set(k, joined);
  }

  async rename(from: string, to: string): Promise<void> {
    const [f, t] = [key(from), key(to)];
    if (!this.has(f)) throw new Error(`cannot rename ${from}: no such file or directory`);
    if (f === t) return;
    if (t.startsWith(under(f))) throw new Error(`cannot rename ${from} to ${to}: a directory cannot move into itself`);
    await this.remove(to);
    this.makeDirs(pathParts(to).slice(0, -1));
    const { files, dirs } = this.tree;
    const moved = (k: string) => (k === f ? t : k.startsWith(`${f}/`) ? t + k.slice(f.length) : undefined);
    for (const [k, bytes] of [...files]) {
      const m = moved(k);
      if (m === undefined) continue;
      files.delete(k);
      files.set(m, bytes);
    }
    for (const k of [...dirs]) {
      const m = moved(k);
      if (m === undefined) continue;
      dirs.delete(k);
      dirs.add(m);
    }
  }

  async list(dir: string): Promise<string[]> {
    const prefix = under(key(dir));
    const names = new Set<string>();
    for (const k of [...this.tree.files.keys(), ...this.tree.dirs]) {
      if (k.startsWith(prefix) && k.length > prefix.length) names.add(k.slice(prefix.length).split('/')[0]);
    }
    return [...names].sort();
  }

  async exists(path: string): Promise<boolean> {
    return this.has(key(path));
  }

  async mkdir(path: string): Promise<void> {
    this.makeDirs(pathParts(path));
  }

  async remove(path: string): Promise<void> {
    const k = key(path);
    if (k === '') throw new Error('cannot remove the root of a store; remove what is in it');
    const { files, dirs } = this.tree;
    for (const set of [files, dirs]) {
      for (const x of [...set.keys()]) if (x === k || x.startsWith(`${k}/`)) set.delete(x);
    }
  }

  async lock(path: string): Promise<() => Promise<void>> {
    const k = key(path);
    const { locks } = this.tree;
    const holder = locks.get(k);
    if (holder) throw new Error(`${path} is locked by ${holder}; wait for it to finish, or use another path`);
    locks.set(k, this.owner);
    return async () => {
      if (locks.get(k) === this.owner) locks.delete(k);
    };
  }

  private has(k: string): boolean {
    return this.tree.files.has(k) || this.tree.dirs.has(k);
  }

  /** The key of a file to write: its parents are made, and it is no directory. */
  private fileKey(path: string): string {
    const parts = pathParts(path);
    if (!parts.length) throw new Error(`cannot write '${path}': give a file's path`);
    this.makeDirs(parts.slice(0, -1));
    const k = parts.join('/');
    if (this.tree.dirs.has(k)) throw new Error(`cannot write ${path}: it is a directory; give a file`);
    return k;
  }

  private makeDirs(parts: string[]): void {
    for (let i = 1; i <= parts.length; i++) {
      const k = parts.slice(0, i).join('/');
      if (this.tree.files.has(k)) throw new Error(`cannot make directory ${k}: it is a file`);
      this.tree.dirs.add(k);
    }
  }
}
