// The run store of a browser page or worker, on the Origin Private File System
// (navigator.storage.getDirectory()): paths are '/'-separated below a root directory handle, the
// lock is a Web Lock (navigator.locks), which the browser frees when its holder's page or worker goes.
//
// Atomic writes: createWritable() writes into a swap file that the browser moves over the target
// only at close() (the File System standard's commit), so a page closed or killed mid-write leaves
// the old bytes; a temporary file moved over the target would add a second copy and nothing more.
// Renaming a file uses FileSystemFileHandle.move (Chromium; it replaces the target), else such a
// copy and a remove. Browsers cannot move a directory: its rename copies the tree and removes the
// source, so a kill in the middle leaves the source whole and the target partial; callers commit
// with a file written after it (the checkpoint's `latest`).
import { pathParts } from './path.js';
import type { RunStore } from './store.js';

/** One id per page or worker: every store opened here holds its locks as this owner. */
const OWNER = `browser-${crypto.randomUUID()}`;

const ADVICE: Record<string, string> = {
  QuotaExceededError:
    "the browser's storage quota for this site is used up; remove old runs, or ask for persistent storage",
  NotFoundError: 'no such file or directory; check the path',
  TypeMismatchError: 'a file stands where a directory is needed, or the reverse; check the path',
  NoModificationAllowedError: 'another tab or worker is writing it; close that one and retry',
  InvalidStateError: 'it changed while being written; retry',
};

/** A File System error as one line: `cannot VERB PATH: what happened (Name); what to do`. */
function opfsError(e: unknown, verb: string, path: string): Error {
  const name = (e as DOMException)?.name;
  const advice = name && ADVICE[name];
  const why = advice ? `${advice.split(';')[0]} (${name});${advice.slice(advice.indexOf(';') + 1)}` : String(e);
  return new Error(`cannot ${verb} ${path}: ${why}`);
}

const missing = (e: unknown) => ['NotFoundError', 'TypeMismatchError'].includes((e as DOMException)?.name);

type Dir = FileSystemDirectoryHandle;
type Entry = { kind: 'file'; handle: FileSystemFileHandle } | { kind: 'directory'; handle: FileSystemDirectoryHandle };

/** FileSystemHandle.move: Chromium has it for files (not in TypeScript's DOM types yet). */
type Movable = FileSystemFileHandle & { move(parent: FileSystemDirectoryHandle, name: string): Promise<void> };

export interface OpfsOptions {
  /**
   * Names the tree in lock names: stores opened on the same directory must give the same scope.
   * Default: the root directory's name.
   */
  lockScope?: string;
  /** Use FileSystemFileHandle.move where the browser has it (default); false copies instead. */
  nativeMove?: boolean;
}

export class OpfsStore implements RunStore {
  readonly owner = OWNER;
  private readonly lockScope: string;
  private readonly nativeMove: boolean;
  // Appends are read-extend-commit: two at once would lose one, so they run one after another.
  private appending: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly root: FileSystemDirectoryHandle,
    opts: OpfsOptions = {},
  ) {
    this.lockScope = opts.lockScope ?? root.name;
    this.nativeMove = opts.nativeMove ?? true;
  }

  /** The store on the directory `dir` ('/'-separated, made when missing) of this site's OPFS. */
  static async open(dir = '', opts: Omit<OpfsOptions, 'lockScope'> = {}): Promise<OpfsStore> {
    if (!globalThis.navigator?.storage?.getDirectory) {
      const what = 'no Origin Private File System (navigator.storage.getDirectory)';
      throw new Error(`this browser has ${what}; use a current one`);
    }
    const parts = pathParts(dir);
    const root = await descend(await navigator.storage.getDirectory(), parts, true, 'open', dir);
    return new OpfsStore(root, { ...opts, lockScope: `opfs:/${parts.join('/')}` });
  }

  async read(path: string): Promise<Uint8Array | undefined> {
    const entry = await this.entry(pathParts(path));
    if (!entry) return undefined;
    if (entry.kind === 'directory') throw new Error(`cannot read ${path}: it is a directory; give a file`);
    try {
      return new Uint8Array(await (await entry.handle.getFile()).arrayBuffer());
    } catch (e) {
      throw opfsError(e, 'read', path);
    }
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    const file = await this.file(path);
    await commit(file, path, { keepExistingData: false }, data);
  }

  async append(path: string, text: string): Promise<void> {
    const next = this.appending.then(async () => {
      const file = await this.file(path);
      await commit(file, path, { keepExistingData: true }, text, (await file.getFile()).size);
    });
    this.appending = next.catch(() => {});
    return next;
  }

  async rename(from: string, to: string): Promise<void> {
    const [f, t] = [pathParts(from), pathParts(to)];
    if (!f.length || !t.length)
      throw new Error(`cannot rename ${from} to ${to}: the root of a store stays where it is`);
    const src = await this.entry(f);
    if (!src) throw new Error(`cannot rename ${from}: no such file or directory`);
    if (f.join('/') === t.join('/')) return;
    if (t.join('/').startsWith(`${f.join('/')}/`)) {
      throw new Error(`cannot rename ${from} to ${to}: a directory cannot move into itself`);
    }
    const parent = await descend(this.root, t.slice(0, -1), true, 'write', to);
    const name = t[t.length - 1];
    try {
      if (src.kind === 'file') {
        if ((await this.entry(t))?.kind === 'directory') await this.remove(to);
        if (this.nativeMove && 'move' in src.handle) await (src.handle as Movable).move(parent, name);
        else await copyFile(src.handle, parent, name, to);
      } else {
        await this.remove(to);
        await copyTree(src.handle, await parent.getDirectoryHandle(name, { create: true }), to);
      }
    } catch (e) {
      throw e instanceof DOMException ? opfsError(e, 'rename', `${from} to ${to}`) : e;
    }
    if (await this.exists(from)) await this.remove(from);
  }

  async list(dir: string): Promise<string[]> {
    const d = await descend(this.root, pathParts(dir), false, 'list');
    if (!d) return [];
    const names: string[] = [];
    for await (const name of d.keys()) names.push(name);
    return names.sort();
  }

  async exists(path: string): Promise<boolean> {
    const parts = pathParts(path);
    return parts.length === 0 || (await this.entry(parts)) !== undefined;
  }

  async mkdir(path: string): Promise<void> {
    await descend(this.root, pathParts(path), true, 'make directory');
  }

  async remove(path: string): Promise<void> {
    const parts = pathParts(path);
    if (!parts.length) throw new Error('cannot remove the root of a store; remove what is in it');
    const parent = await descend(this.root, parts.slice(0, -1), false, 'remove');
    try {
      await parent?.removeEntry(parts[parts.length - 1], { recursive: true });
    } catch (e) {
      if ((e as DOMException)?.name !== 'NotFoundError') throw opfsError(e, 'remove', path);
    }
  }

  /** A Web Lock on the path, held until released (the browser frees it if this page or worker goes). */
  async lock(path: string): Promise<() => Promise<void>> {
    const name = `run-store:${this.lockScope}/${pathParts(path).join('/')}`;
    return new Promise((granted, refused) => {
      const held: Promise<unknown> = navigator.locks
        .request(name, { ifAvailable: true }, (lock) => {
          if (!lock) {
            const advice = 'close it or wait for it to finish';
            refused(new Error(`${path} is locked by another page or worker of this site; ${advice}`));
            return undefined;
          }
          return new Promise<void>((done) =>
            granted(async () => {
              done();
              await held; // resolves once the browser has freed the lock
            }),
          );
        })
        .catch(refused);
    });
  }

  /** The file or directory at `parts` (the root for none), or undefined when there is none. */
  private async entry(parts: string[]): Promise<Entry | undefined> {
    if (!parts.length) return { kind: 'directory', handle: this.root };
    const parent = await descend(this.root, parts.slice(0, -1), false, 'read');
    if (!parent) return undefined;
    const name = parts[parts.length - 1];
    for (const kind of ['file', 'directory'] as const) {
      try {
        const handle = kind === 'file' ? await parent.getFileHandle(name) : await parent.getDirectoryHandle(name);
        return { kind, handle } as Entry;
      } catch (e) {
        if (!missing(e)) throw opfsError(e, 'read', parts.join('/'));
      }
    }
    return undefined;
  }

  /** The handle of a file to write, its parent directories made. */
  private async file(path: string): Promise<FileSystemFileHandle> {
    const parts = pathParts(path);
    if (!parts.length) throw new Error(`cannot write '${path}': give a file's path`);
    const parent = await descend(this.root, parts.slice(0, -1), true, 'write', path);
    try {
      return await parent.getFileHandle(parts[parts.length - 1], { create: true });
    } catch (e) {
      throw (e as DOMException)?.name === 'TypeMismatchError'
        ? new Error(`cannot write ${path}: it is a directory; give a file`)
        : opfsError(e, 'write', path);
    }
  }
}

/**
 * The directory at `parts` below `from`, made when `create`; undefined when it (or a part of it) is
 * missing and not to be made. Errors name `path` (default: the directory's own path).
 */
async function descend(from: Dir, parts: string[], create: true, verb: string, path?: string): Promise<Dir>;
async function descend(
  from: Dir,
  parts: string[],
  create: boolean,
  verb: string,
  path?: string,
): Promise<Dir | undefined>;
async function descend(from: Dir, parts: string[], create: boolean, verb: string, path = parts.join('/')) {
  let d = from;
  for (const part of parts) {
    try {
      d = await d.getDirectoryHandle(part, { create });
    } catch (e) {
      if (!create && missing(e)) return undefined;
      throw opfsError(e, verb, path);
    }
  }
  return d;
}

/** Writes `data` at `at` through a writable stream: the file changes at close() or not at all. */
async function commit(
  file: FileSystemFileHandle,
  path: string,
  opts: FileSystemCreateWritableOptions,
  data: Uint8Array | string | Blob,
  at = 0,
): Promise<void> {
  let stream: FileSystemWritableFileStream | undefined;
  try {
    stream = await file.createWritable(opts);
    await stream.write({ type: 'write', position: at, data: data as Uint8Array<ArrayBuffer> | string | Blob });
    await stream.close();
  } catch (e) {
    await stream?.abort().catch(() => {});
    throw opfsError(e, 'write', path);
  }
}

async function copyFile(src: FileSystemFileHandle, parent: Dir, name: string, path: string): Promise<void> {
  const target = await parent.getFileHandle(name, { create: true });
  await commit(target, path, { keepExistingData: false }, await src.getFile());
}

async function copyTree(src: Dir, dst: Dir, path: string): Promise<void> {
  for await (const [name, handle] of src.entries()) {
    const to = `${path}/${name}`;
    if (handle.kind === 'file') await copyFile(handle as FileSystemFileHandle, dst, name, to);
    else await copyTree(handle as Dir, await dst.getDirectoryHandle(name, { create: true }), to);
  }
}
