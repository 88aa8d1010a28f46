// What every stage does with its run directory: hold it with a lock for as long as the stage runs
// (a second process is refused), keep the run's config in it (a second run into the directory must
// use the same one), and on (re)start drop metric rows that the last checkpoint does not cover.
import { joinPath, readText, type RunStore } from '../store/store.js';
import { canonicalJson } from '../util/json.js';

/** The lock file (on a disk: `{pid, host, started}` of the process running the stage). */
export const LOCK_FILE = 'run.lock';
/** Each stage's config file, which marks a directory as that stage's run directory. */
const STAGE_FILES: Record<string, string> = { 'run.json': 'pre/mid-training', 'rl.json': 'RL' };

/** Refuses a directory that holds another stage's run or anything else that is not a run of `file`'s stage. */
async function checkNotForeign(store: RunStore, out: string, file: string): Promise<void> {
  const entries = (await store.list(out)).filter((e) => e !== LOCK_FILE);
  if (!entries.length || entries.includes(file)) return;
  const other = entries.find((e) => STAGE_FILES[e]);
  if (other)
    throw new Error(
      `${out} is the run directory of another stage (${STAGE_FILES[other]}: ${other}); give this stage its own --out`,
    );
  throw new Error(
    `${out} is not a run directory (it holds ${entries.slice(0, 3).join(', ')}); give a new or empty --out`,
  );
}

/** The text of a run directory's config file, as claimRunDir writes it. */
export const configText = (cfg: unknown): string => JSON.stringify(cfg, null, 2) + '\n';

/** Maps a config written before its keys were renamed to today's names. */
export type ConfigUpgrade = (old: Record<string, unknown>) => unknown;

/**
 * Creates `out`, locks it and records `cfg` as `out/file`, or checks it equals the config already
 * there. A config written under old key names resumes when `upgrade` maps it to `cfg`; the file is
 * then rewritten under the new names. Returns the lock's release function.
 */
export async function claimRunDir(
  store: RunStore,
  out: string,
  file: string,
  cfg: unknown,
  upgrade?: ConfigUpgrade,
): Promise<() => Promise<void>> {
  await store.mkdir(out);
  const release = await store.lock(joinPath(out, LOCK_FILE));
  try {
    await checkNotForeign(store, out, file);
    const path = joinPath(out, file);
    const text = configText(cfg);
    const was = await readText(store, path);
    if (was === undefined) await store.write(path, text);
    else if (was !== text) {
      let old: Record<string, unknown>;
      try {
        old = (JSON.parse(was) ?? {}) as Record<string, unknown>;
      } catch {
        throw new Error(`${path} is not valid JSON (corrupted?); restore it, or use another --out`);
      }
      if (upgrade && canonicalJson(upgrade(old)) === canonicalJson(cfg)) {
        await store.write(path, text);
        return release;
      }
      const stage = old.stage;
      const is = (cfg as { stage?: unknown }).stage;
      if (stage !== is)
        throw new Error(`${out} is the run directory of a ${stage} stage, not ${is}; give this stage its own --out`);
      throw new Error(
        `${out} holds a run with a different configuration (${path}); use another --out, or the same config to resume`,
      );
    }
  } catch (e) {
    await release();
    throw e;
  }
  return release;
}

/**
 * Keeps the rows of a metrics JSON-lines file up to `step` (those of the checkpoint a run resumes
 * from; 0 for a fresh start). Later rows belong to lost work and are logged again; a kill may also
 * have cut the last line short.
 */
export async function truncateMetrics(store: RunStore, file: string, step: number): Promise<void> {
  const text = await readText(store, file);
  if (text === undefined) return;
  const kept = text.split('\n').filter((l) => {
    try {
      return (JSON.parse(l) as { step: number }).step <= step;
    } catch {
      return false;
    }
  });
  await store.write(file, kept.map((l) => l + '\n').join(''));
}
