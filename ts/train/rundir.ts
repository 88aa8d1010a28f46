// What every stage (pre/mid-training, RL) does with its run directory: keep the run's config in it
// (a second run into the directory must use the same one), and on (re)start drop metric rows that
// the last checkpoint does not cover.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Creates `out` and records `cfg` as `out/file`, or checks it equals the config already there. */
export function claimRunDir(out: string, file: string, cfg: unknown): void {
  mkdirSync(out, { recursive: true });
  const path = join(out, file);
  const text = JSON.stringify(cfg, null, 2) + '\n';
  if (existsSync(path) && readFileSync(path, 'utf8') !== text) {
    throw new Error(`${out} holds a run with a different configuration (${path}); use another --out, or the same config to resume`);
  }
  writeFileSync(path, text);
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
  writeFileSync(file, kept.map((l) => l + '\n').join(''));
}
