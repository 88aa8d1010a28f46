// The run store on a disk (Node): paths are file-system paths, whole-file writes go through
// writeFileAtomic (ts/io/files.ts, with its fault injection), and the lock is a file holding
// {pid, host, started} that a later process takes over when its holder is gone.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import type { RunStore } from '../store/store.js';
import { appendText, createExclusive, ioError, writeFileAtomic } from './files.js';

interface LockHolder {
  pid: number;
  host: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by another user
  }
}

function readHolder(path: string): LockHolder | undefined {
  try {
    const h = JSON.parse(readFileSync(path, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) && typeof h.host === 'string' ? h : undefined;
  } catch {
    return undefined; // gone, or cut short by a kill mid-write: stale either way
  }
}

function ensureDir(dir: string): void {
  if (!dir || existsSync(dir)) return;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw ioError(e, 'write', dir);
  }
}

export interface NodeStoreOptions {
  /**
   * A lock held on another host cannot be checked: 'refuse' it (the default), or 'take-over', for a
   * process that knows by other means that its holder is gone (a queue worker, whose job a second
   * worker gets only once the first stopped renewing the job's lock in Redis: harness/queue).
   */
  foreignLocks?: 'refuse' | 'take-over';
}

export class NodeStore implements RunStore {
  readonly owner = String(process.pid);

  constructor(private readonly options: NodeStoreOptions = {}) {}

  async read(path: string): Promise<Uint8Array | undefined> {
    try {
      return readFileSync(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw ioError(e, 'read', path);
    }
  }

  async write(path: string, data: Uint8Array | string): Promise<void> {
    ensureDir(dirname(path));
    writeFileAtomic(path, data);
  }

  async append(path: string, text: string): Promise<void> {
    ensureDir(dirname(path));
    appendText(path, text);
  }

  async rename(from: string, to: string): Promise<void> {
    try {
      ensureDir(dirname(to));
      if (existsSync(to) && statSync(to).isDirectory()) rmSync(to, { recursive: true, force: true });
      renameSync(from, to);
    } catch (e) {
      throw ioError(e, 'write', to);
    }
  }

  async list(dir: string): Promise<string[]> {
    try {
      return readdirSync(dir).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw ioError(e, 'read', dir);
    }
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(path);
  }

  async mkdir(path: string): Promise<void> {
    ensureDir(path);
  }

  async remove(path: string): Promise<void> {
    try {
      rmSync(path, { recursive: true, force: true });
    } catch (e) {
      throw ioError(e, 'write', path);
    }
  }

  /**
   * Creates the lock file `path` for this process, or throws naming the process that holds it. A
   * lock left by a process that is gone (killed, on this host) is taken over, so a killed run can be
   * resumed; a lock of another host cannot be checked and is refused (unless `foreignLocks` says).
   */
  async lock(path: string, subject = dirname(path)): Promise<() => Promise<void>> {
    const host = hostname();
    const mine = JSON.stringify({ pid: process.pid, host, started: new Date().toISOString() }) + '\n';
    ensureDir(dirname(path));
    for (let attempt = 0; ; attempt++) {
      try {
        createExclusive(path, mine);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw ioError(e, 'write', path);
      }
      const h = readHolder(path);
      const foreign = h && h.host !== host;
      if (h && h.pid !== process.pid && (foreign ? this.options.foreignLocks !== 'take-over' : alive(h.pid))) {
        throw new Error(
          `${subject} is in use by process ${h.pid} on ${h.host} (${path}); wait for it to finish, or use another --out` +
            (h.host !== host ? ` (delete ${path} if that process is gone)` : ''),
        );
      }
      rmSync(path, { force: true });
    }
    return async () => {
      if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
    };
  }
}
