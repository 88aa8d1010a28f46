// What every stage (pre/mid-training, RL) does with its run directory: hold it with a lock file for
// as long as the stage runs (a second process is refused), keep the run's config in it (a second
// run into the directory must use the same one), and on (re)start drop metric rows that the last
// checkpoint does not cover.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createExclusive, ioError, writeFileAtomic } from '../io/files.js';

/** The lock file: `{pid, host, started}` of the process running the stage. */
export const LOCK_FILE = 'run.lock';
/** Each stage's config file, which marks a directory as that stage's run directory. */
const STAGE_FILES: Record<string, string> = { 'run.json': 'pre/mid-training', 'rl.json': 'RL' };

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

/**
 * Takes `out/run.lock` for this process, or throws naming the process that holds it. A lock left by
 * a process that is gone (killed, on this host) is taken over, so a killed run can be resumed; a
 * lock of another host cannot be checked and is refused. Returns the release function.
 */
export function lockRunDir(out: string): () => void {
  const path = join(out, LOCK_FILE);
  const host = hostname();
  const mine = JSON.stringify({ pid: process.pid, host, started: new Date().toISOString() }) + '\n';
  for (let attempt = 0; ; attempt++) {
    try {
      createExclusive(path, mine);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw ioError(e, 'write', path);
    }
    const h = readHolder(path);
    if (h && h.pid !== process.pid && (h.host !== host || alive(h.pid))) {
      throw new Error(
        `${out} is in use by process ${h.pid} on ${h.host} (${path}); wait for it to finish, or use another --out` +
          (h.host !== host ? ` (delete ${path} if that process is gone)` : ''),
      );
    }
    rmSync(path, { force: true });
  }
  return () => {
    if (readHolder(path)?.pid === process.pid) rmSync(path, { force: true });
  };
}

/** Refuses a directory that holds another stage's run or anything else that is not a run of `file`'s stage. */
function checkNotForeign(out: string, file: string): void {
  const entries = readdirSync(out).filter((e) => e !== LOCK_FILE);
  if (!entries.length || entries.includes(file)) return;
  const other = entries.find((e) => STAGE_FILES[e]);
  if (other) throw new Error(`${out} is the run directory of another stage (${STAGE_FILES[other]}: ${other}); give this stage its own --out`);
  throw new Error(`${out} is not a run directory (it holds ${entries.slice(0, 3).join(', ')}); give a new or empty --out`);
}

/** Sorted keys at every level: two configs are the same when this is. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x));

/**
 * Creates `out`, locks it (lockRunDir) and records `cfg` as `out/file`, or checks it equals the config
 * already there. A config written under old key names resumes when `upgrade` maps it to `cfg`; the
 * file is then rewritten under the new names. Returns the lock's release function.
 */
export function claimRunDir(
  out: string, file: string, cfg: unknown, upgrade?: (old: Record<string, unknown>) => unknown,
): () => void {
  try {
    mkdirSync(out, { recursive: true });
  } catch (e) {
    throw ioError(e, 'write', out);
  }
  const release = lockRunDir(out);
  try {
    checkNotForeign(out, file);
    const path = join(out, file);
    const text = JSON.stringify(cfg, null, 2) + '\n';
    if (!existsSync(path)) writeFileAtomic(path, text);
    else if (readFileSync(path, 'utf8') !== text) {
      let was: Record<string, unknown>;
      try {
        was = (JSON.parse(readFileSync(path, 'utf8')) ?? {}) as Record<string, unknown>;
      } catch {
        throw new Error(`${path} is not valid JSON (corrupted?); restore it, or use another --out`);
      }
      if (upgrade && canonical(upgrade(was)) === canonical(cfg)) {
        writeFileAtomic(path, text);
        return release;
      }
      const is = (cfg as { stage?: unknown }).stage;
      if (was.stage !== is) throw new Error(`${out} is the run directory of a ${was.stage} stage, not ${is}; give this stage its own --out`);
      throw new Error(`${out} holds a run with a different configuration (${path}); use another --out, or the same config to resume`);
    }
  } catch (e) {
    release();
    throw e;
  }
  return release;
}

/**
 * Keeps the rows of a metrics JSON-lines file up to `step` (those of the checkpoint a run resumes
 * from; 0 for a fresh start). Later rows belong to lost work and are logged again; a kill may also
 * have cut the last line short.
 */
export function truncateMetrics(file: string, step: number): void {
  if (!existsSync(file)) return;
  const kept = readFileSync(file, 'utf8').split('\n').filter((l) => {
    try {
      return (JSON.parse(l) as { step: number }).step <= step;
    } catch {
      return false;
    }
  });
  writeFileAtomic(file, kept.map((l) => l + '\n').join(''));
}
