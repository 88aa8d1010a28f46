// A training or RL stage's run directory, held for as long as the stage runs: claimed (locked, its
// config recorded or checked), and its latest checkpoint loaded for the stage to resume from.
import {
  claimRunDir,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointContent,
  type ConfigUpgrade,
} from '../ckpt/index.js';
import { paramLayout } from '../model/params.js';
import { joinPath } from '../store/store.js';
import type { StageContext } from './loop.js';

export interface RunDir {
  /** The checkpoint the stage resumes from, when the directory holds one. */
  resumed?: Checkpoint;
  /** Writes a checkpoint under checkpoints/ and points checkpoints/latest at it. */
  save(c: CheckpointContent): Promise<string>;
  /** The run directory's metrics log. */
  metrics: string;
  /** A path inside the run directory. */
  path(...parts: string[]): string;
}

/** `upgrade` reads a config file written under old key names (claimRunDir). */
export async function withRunDir<T>(
  ctx: StageContext,
  file: string,
  cfg: unknown,
  body: (dir: RunDir) => Promise<T>,
  upgrade?: ConfigUpgrade,
): Promise<T> {
  const { store, out } = ctx;
  const release = await claimRunDir(store, out, file, cfg, upgrade);
  try {
    const root = joinPath(out, 'checkpoints');
    const latest = await latestCheckpoint(store, root);
    const resumed = latest ? await loadCheckpoint(store, latest, paramLayout) : undefined;
    return await body({
      resumed,
      save: (c) => saveCheckpoint(store, root, c),
      metrics: joinPath(out, 'metrics.jsonl'),
      path: (...parts) => joinPath(out, ...parts),
    });
  } finally {
    await release();
  }
}
