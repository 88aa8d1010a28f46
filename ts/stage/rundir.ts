// A training or RL stage's run directory, held for as long as the stage runs: claimed (locked, its
// config recorded or checked), and its latest checkpoint loaded for the stage to resume from.
import {
  claimRunDir,
  configText,
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  type Checkpoint,
  type CheckpointContent,
  type ConfigUpgrade,
} from '../ckpt/index.js';
import { paramLayout } from '../model/params.js';
import { joinPath } from '../store/store.js';
import { sha256Hex } from '../util/hash.js';
import { provenance } from '../util/provenance.js';
import type { StageContext } from './loop.js';

/** One line per (re)start of a stage in its run directory: what ran it from which step. */
export const PROVENANCE_LOG = 'provenance.jsonl';

export interface RunDir {
  /** The checkpoint the stage resumes from, when the directory holds one. */
  resumed?: Checkpoint;
  /** Writes a checkpoint under checkpoints/ and points checkpoints/latest at it. */
  save(c: CheckpointContent): Promise<string>;
  /** The run directory's metrics log. */
  metrics: string;
  /** A path inside the run directory. */
  path(...parts: string[]): string;
  /** Appends the kernel variants chosen for the device (once the stage's shapes are known) to the provenance log. */
  recordKernels(detail: object): Promise<void>;
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
    // A line per start rather than one file: a run resumed on another machine or build keeps both.
    const { engine, adapter, kernels } = await provenance(ctx.gpu.adapterInfo, ctx.gpu.kernels);
    // The sha256 of the config file (run.json, rl.json): `sha256sum` checks it.
    const configSha256 = await sha256Hex(configText(cfg));
    const start = {
      started: new Date().toISOString(),
      fromStep: resumed?.state?.step ?? 0,
      configSha256,
      engine,
      adapter,
      ...(kernels && { kernels }),
    };
    await store.append(joinPath(out, PROVENANCE_LOG), JSON.stringify(start) + '\n');
    return await body({
      resumed,
      save: (c) => saveCheckpoint(store, root, { ...c, state: { ...c.state, engine, adapter } }),
      metrics: joinPath(out, 'metrics.jsonl'),
      path: (...parts) => joinPath(out, ...parts),
      recordKernels: (detail) =>
        store.append(
          joinPath(out, PROVENANCE_LOG),
          JSON.stringify({ kernelsChosen: new Date().toISOString(), kernels: { ...ctx.gpu.kernels }, ...detail }) +
            '\n',
        ),
    });
  } finally {
    await release();
  }
}
