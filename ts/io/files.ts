// Files on disk (Node only): every whole-file write of the engine goes through writeFileAtomic (a
// temporary file beside the target, flushed, then renamed over it), so a failed or killed write
// leaves the previous file byte-identical; I/O errors become one line naming the file and what to do.
//
// Fault injection for the tests: ENGINE_IO_FAULT=CODE[:SUBSTRING] (e.g. ENOSPC, EROFS) makes each
// write whose path contains SUBSTRING (any path when absent) fail with that code after half its
// bytes, the way a full or read-only disk does, without mounting one (ENOSPC spares empty files).
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';

const ADVICE: Record<string, string> = {
  ENOSPC: 'no space left on the device; free some space or write somewhere else',
  EDQUOT: 'disk quota exceeded; free some space or write somewhere else',
  EROFS: 'the file system is read-only; choose a writable output path',
  EACCES: 'permission denied; choose a path you may use or fix its permissions',
  EPERM: 'operation not permitted; choose a path you may use or fix its permissions',
  ENOENT: 'no such file or directory; check the path',
  ENOTDIR: 'a part of the path is not a directory; check the path',
  EISDIR: 'it is a directory; give a file',
  EEXIST: 'it exists already',
  EMFILE: 'too many open files; raise the limit (ulimit -n)',
  EIO: 'an I/O error from the device; check the disk',
};

/** An fs error as one line: `cannot read|write [WHAT ]PATH: what happened (CODE); what to do`. */
export function ioError(e: unknown, verb: 'read' | 'write', path: string, what = ''): Error {
  const code = (e as NodeJS.ErrnoException)?.code;
  const advice = code && ADVICE[code];
  const why = advice
    ? `${advice.split(';')[0]} (${code});${advice.slice(advice.indexOf(';') + 1)}`
    : (e as Error).message;
  // `reason` lets a caller name what it was writing (a checkpoint) instead of the file that failed.
  return Object.assign(new Error(`cannot ${verb} ${what ? what + ' ' : ''}${path}: ${why}`), { code, reason: why });
}

const fault = (code: string) => Object.assign(new Error(`${code} (injected by ENGINE_IO_FAULT)`), { code });

function injectedFault(path: string, bytes: number): string | undefined {
  const spec = process.env.ENGINE_IO_FAULT;
  if (!spec) return undefined;
  const [code, part] = spec.split(':');
  if (part && !path.includes(part)) return undefined;
  // A full disk still lets an empty file be made (checkWritable passes); a read-only one does not.
  return (code === 'ENOSPC' || code === 'EDQUOT') && bytes === 0 ? undefined : code;
}

/** Writes `data` to `path` and flushes it to the disk (not atomic: use for files in a temporary place). */
export function writeDurable(path: string, data: Uint8Array | string): void {
  const buf = typeof data === 'string' ? Buffer.from(data) : data;
  const code = injectedFault(path, buf.length);
  const fd = openSync(path, 'w');
  try {
    const end = code ? buf.length >> 1 : buf.length;
    let off = 0;
    while (off < end) off += writeSync(fd, buf, off, end - off);
    if (code) throw fault(code);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Replaces `path` with `data` atomically: a reader sees the old file or the new one, never part of
 * one, and a failed write leaves the old file as it was. A target that is not a regular file
 * (/dev/stdout, a pipe, /dev/full) is written directly.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  if (existsSync(path) && !statSync(path).isFile()) {
    try {
      writeFileSync(path, data);
    } catch (e) {
      throw ioError(e, 'write', path);
    }
    return;
  }
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeDurable(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // a read-only directory: nothing was created there
    }
    throw ioError(e, 'write', path);
  }
}

/** Fails now, with writeFileAtomic's error, when `path` could not be written later (before long work). */
export function checkWritable(path: string): void {
  if (existsSync(path) && !statSync(path).isFile()) return;
  const tmp = `${path}.tmp-${process.pid}`;
  try {
    writeDurable(tmp, '');
  } catch (e) {
    throw ioError(e, 'write', path);
  } finally {
    rmSync(tmp, { force: true });
  }
}

/** Appends `text` to a log such as metrics.jsonl (its reader drops a last line cut short by a kill). */
export function appendText(path: string, text: string): void {
  try {
    appendFileSync(path, text);
  } catch (e) {
    throw ioError(e, 'write', path);
  }
}

/** Creates `path` holding `data`; throws the fs error (EEXIST when it exists: a lock file). */
export function createExclusive(path: string, data: string): void {
  const code = injectedFault(path, data.length);
  if (code) throw fault(code);
  writeFileSync(path, data, { flag: 'wx' });
}

/** The bytes of an input file, or an error naming it and what to do. */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw ioError(e, 'read', path, what);
  }
}
