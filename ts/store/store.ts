// Where runs keep their files: a small tree of files addressed by '/'-separated paths, injected into
// every stage so the same code runs on a disk (Node, ts/io/node-store.ts) and in a browser's Origin
// Private File System (ts/store/opfs.ts). Whole-file writes are atomic: a reader, or a run killed
// mid-write, sees the old bytes or the new ones, never part of them.

export interface RunStore {
  /** Names this process among those that may share the store (temporary names, lock holders). */
  readonly owner: string;
  /** The file's bytes, or undefined when there is no such file. */
  read(path: string): Promise<Uint8Array | undefined>;
  /** Replaces the file atomically, creating its parent directories. */
  write(path: string, data: Uint8Array | string): Promise<void>;
  /** Appends to a log (its reader drops a last line cut short by a kill). */
  append(path: string, text: string): Promise<void>;
  /** Moves a file or a directory to `to`, replacing what was there. */
  rename(from: string, to: string): Promise<void>;
  /** The entries of a directory, sorted; [] when it does not exist. */
  list(dir: string): Promise<string[]>;
  /** Whether a file or directory exists at `path`. */
  exists(path: string): Promise<boolean>;
  /** Creates a directory and its parents (nothing when it exists). */
  mkdir(path: string): Promise<void>;
  /** Removes a file or a directory with everything in it (nothing when absent). */
  remove(path: string): Promise<void>;
  /**
   * Holds `path` for this process until the returned release is called: a second holder is refused
   * with an error naming the first (one stage per run directory). A holder that died is taken over.
   * `subject` is what the refusal says is in use (default: the lock's directory, a run directory).
   */
  lock(path: string, subject?: string): Promise<() => Promise<void>>;
}

/** Joins path parts with '/', dropping empty parts and doubled separators. */
export function joinPath(...parts: string[]): string {
  const joined = parts.filter((p) => p !== '').join('/');
  return joined.replace(/\/{2,}/g, '/');
}

/** The directory part of a path ('' for a bare name). */
export function dirName(path: string): string {
  const i = path.replace(/\/+$/, '').lastIndexOf('/');
  return i < 0 ? '' : i === 0 ? '/' : path.slice(0, i);
}

const decoder = new TextDecoder();

/** A text file, or undefined when absent. */
export async function readText(store: RunStore, path: string): Promise<string | undefined> {
  const bytes = await store.read(path);
  return bytes && decoder.decode(bytes);
}

/** A file the caller needs: its bytes, or an error naming it (`what`) and what to do. */
export async function readRequired(
  store: RunStore,
  path: string,
  what: string,
  advice = 'check the path',
): Promise<Uint8Array> {
  const bytes = await store.read(path);
  if (!bytes) throw new Error(`cannot read ${what ? what + ' ' : ''}${path}: no such file; ${advice}`);
  return bytes;
}
