// Checkpoints: a Hugging Face-style directory (model.safetensors, config.json, tokenizer.json) plus
// a sidecar (trainer_state.json, optimizer.safetensors) with optimizer state, RNG state and data
// cursor. Writes are atomic: everything goes into a temporary directory that is renamed into place,
// then the `latest` pointer is replaced by rename, so a run killed at any moment leaves the last
// complete checkpoint intact. Every file's sha256 is recorded and checked on load.
import { joinPath as join, readText, type RunStore } from '../store/store.js';
import { sha256Hex as sha256 } from '../util/hash.js';
import { parseJson } from '../util/json.js';
import { validateConfig, type Qwen2Config } from '../model/config.js';
import type { ParamLayout } from '../model/params.js';
import { decodeSafetensors, encodeSafetensors } from './safetensors.js';
import { packParams, unpackParams } from './weights.js';
import { killPoint } from '../util/killpoint.js';
import type { AdapterDescription, EngineIdentity } from '../util/provenance.js';

export interface TrainerState {
  /** Optimizer steps taken. */
  step: number;
  tokensSeen: number;
  /** Whatever the data loader needs to continue exactly where it was. */
  dataCursor: unknown;
  /** RNG state(s) of the run (e.g. seeds and counters). */
  rng: unknown;
  /** The run configuration, saved beside every checkpoint. */
  runConfig: unknown;
  /** Free-form history worth keeping (last metrics, stage). */
  extra?: Record<string, unknown>;
  /** What wrote the checkpoint (absent in checkpoints written before it was recorded). */
  engine?: EngineIdentity;
  adapter?: AdapterDescription;
}

export interface Checkpoint {
  config: Qwen2Config;
  params: Float32Array;
  /** AdamW first and second moments, flat like params; absent for an imported model. */
  m?: Float32Array;
  v?: Float32Array;
  tokenizerJson?: string;
  state?: TrainerState;
  dir: string;
  /** sha256 of model.safetensors, as read (results name the weights they came from by it). */
  modelSha256: string;
}

// Format 2 adds `checksum` (the sha256 of the rest, as index.json of a dataset has), so a damaged
// step count or data cursor is refused too; format 1 (no checksum) still loads.
const SIDECAR_FORMAT = 'reasoning-engine-checkpoint/2';
const LEGACY_FORMAT = 'reasoning-engine-checkpoint/1';
interface Sidecar extends TrainerState {
  format: typeof SIDECAR_FORMAT | typeof LEGACY_FORMAT;
  files: Record<string, string>; // file -> sha256
  checksum?: string;
}

export function stepDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** What a checkpoint holds when it is written. */
export interface CheckpointContent {
  config: Qwen2Config;
  layout: ParamLayout;
  params: Float32Array;
  m: Float32Array;
  v: Float32Array;
  tokenizerJson: string;
  state: TrainerState;
}

/** Writes a checkpoint into `root/step-XXXXXXXX` atomically and points `root/latest` at it. */
export async function saveCheckpoint(store: RunStore, root: string, c: CheckpointContent): Promise<string> {
  const name = stepDirName(c.state.step);
  const tmp = join(root, `${name}.tmp-${store.owner}`);
  const final = join(root, name);
  try {
    await store.remove(tmp);
    await store.mkdir(tmp);
    await writeFiles(store, tmp, c);
  } catch (e) {
    await store.remove(tmp);
    throw new Error(`cannot write checkpoint ${final}: ${(e as { reason?: string }).reason ?? (e as Error).message}`);
  }
  await store.rename(tmp, final);
  killPoint('checkpoint-dir');
  await store.write(join(root, 'latest'), name + '\n');
  // Leftovers of runs killed mid-write.
  for (const e of await store.list(root)) if (e.includes('.tmp-') && e !== name) await store.remove(join(root, e));
  return final;
}

/** The checkpoint's files and its sidecar with their hashes, into directory `dir`. */
async function writeFiles(store: RunStore, dir: string, c: CheckpointContent): Promise<void> {
  const files: Record<string, Uint8Array | string> = {
    'model.safetensors': encodeSafetensors(unpackParams(c.layout, c.params), { format: 'pt' }),
    'optimizer.safetensors': encodeSafetensors([
      ...unpackParams(c.layout, c.m, 'exp_avg.'),
      ...unpackParams(c.layout, c.v, 'exp_avg_sq.'),
    ]),
    'config.json': JSON.stringify(c.config, null, 2) + '\n',
    'tokenizer.json': c.tokenizerJson,
  };
  const sidecar: Sidecar = { format: SIDECAR_FORMAT, ...c.state, files: {} };
  for (const [f, data] of Object.entries(files)) {
    await store.write(join(dir, f), data);
    sidecar.files[f] = await sha256(data);
    killPoint('checkpoint-file');
  }
  const sealed = { ...sidecar, checksum: await sha256(JSON.stringify(sidecar)) };
  await store.write(join(dir, 'trainer_state.json'), JSON.stringify(sealed, null, 2) + '\n');
}

/** The directory `root/latest` points at, or undefined when there is none yet. */
export async function latestCheckpoint(store: RunStore, root: string): Promise<string | undefined> {
  const p = join(root, 'latest');
  const name = await readText(store, p);
  if (name === undefined) return undefined;
  const dir = join(root, name.trim());
  if (!(await store.exists(dir))) {
    throw new Error(
      `${p} points at ${dir}, which does not exist; rename a complete ${dir}.tmp-PID to it, or point latest at an earlier step`,
    );
  }
  return dir;
}

/** Whether `dir` holds a checkpoint (one with a file missing too: loading it names the file). */
export async function isCheckpointDir(store: RunStore, dir: string): Promise<boolean> {
  return (await store.exists(join(dir, 'model.safetensors'))) || (await store.exists(join(dir, 'config.json')));
}

/** Why `dir` is not a checkpoint directory and what to give instead; undefined when it is one. */
async function notACheckpoint(store: RunStore, dir: string): Promise<string | undefined> {
  if (!(await store.exists(dir))) return `no checkpoint at ${dir} (no such directory); check the path`;
  if (await isCheckpointDir(store, dir)) return undefined;
  const latest = await readText(store, join(dir, 'checkpoints', 'latest'));
  const run = latest !== undefined;
  const kind = run
    ? ' but a run directory'
    : (await store.exists(join(dir, 'index.json')))
      ? ' but a dataset directory'
      : '';
  const hint = run
    ? `give one of its checkpoints, e.g. ${join(dir, 'checkpoints', latest.trim())}`
    : 'give a checkpoint directory (RUN/checkpoints/step-...)';
  return `${dir} is not a checkpoint${kind} (no config.json or model.safetensors); ${hint}`;
}

/**
 * A checkpoint file's bytes. With a sidecar's `sums`, the file must be listed there (a file left
 * off the list could not be checked) and match its sha256.
 */
async function readChecked(
  store: RunStore,
  dir: string,
  file: string,
  sums?: Record<string, unknown>,
): Promise<Uint8Array> {
  const path = join(dir, file);
  if (sums && typeof sums[file] !== 'string') {
    throw new Error(
      `checkpoint ${dir}: trainer_state.json records no sha256 for ${file}, so it cannot be checked; ` +
        'restore the checkpoint or resume from an earlier one',
    );
  }
  const data = await store.read(path);
  if (!data) {
    const listed = sums ? ' (trainer_state.json lists it)' : '';
    throw new Error(`checkpoint ${dir} has no ${file}${listed}; restore it or resume from an earlier checkpoint`);
  }
  if (sums && (await sha256(data)) !== sums[file]) {
    throw new Error(
      `checkpoint file ${path} is corrupt (sha256 differs from trainer_state.json); restore it or resume from an earlier checkpoint`,
    );
  }
  return data;
}

/**
 * Loads a checkpoint directory: ours (with optimizer state, checked against recorded hashes) or a
 * Qwen2 model made elsewhere (config.json + model.safetensors only).
 */
export async function loadCheckpoint(
  store: RunStore,
  dir: string,
  layoutOf: (c: Qwen2Config) => ParamLayout,
): Promise<Checkpoint> {
  const notOne = await notACheckpoint(store, dir);
  if (notOne) throw new Error(notOne);
  let sidecar: Sidecar | undefined;
  const text = await readText(store, join(dir, 'trainer_state.json'));
  if (text !== undefined) {
    sidecar = parseJson(
      text,
      `checkpoint ${dir}: trainer_state.json`,
      'restore it or use an earlier checkpoint',
    ) as Sidecar;
    if (sidecar?.format !== SIDECAR_FORMAT && sidecar?.format !== LEGACY_FORMAT) {
      throw new Error(`checkpoint ${dir}: unknown trainer_state format ${JSON.stringify(sidecar?.format)}`);
    }
    const { checksum, ...rest } = sidecar;
    if (sidecar.format === SIDECAR_FORMAT && checksum !== (await sha256(JSON.stringify(rest)))) {
      throw new Error(
        `checkpoint ${dir}: trainer_state.json was altered or corrupted (its checksum does not match its content); ` +
          'restore it or resume from an earlier checkpoint',
      );
    }
    if (typeof sidecar.files !== 'object' || sidecar.files === null) {
      throw new Error(`checkpoint ${dir}: trainer_state.json has no list of files and their sha256`);
    }
  } else if (await store.exists(join(dir, 'optimizer.safetensors'))) {
    // Without its sidecar, optimizer state would be dropped and the step count restart at 0.
    throw new Error(
      `checkpoint ${dir} has optimizer.safetensors but no trainer_state.json; restore it or resume from an earlier checkpoint`,
    );
  }
  const sums = sidecar?.files;
  const configText = new TextDecoder().decode(await readChecked(store, dir, 'config.json', sums));
  let config: Qwen2Config;
  try {
    config = validateConfig(parseJson(configText, 'it'));
  } catch (e) {
    throw new Error(`checkpoint ${dir}: config.json: ${(e as Error).message}`);
  }
  const layout = layoutOf(config);
  const modelBytes = await readChecked(store, dir, 'model.safetensors', sums);
  const model = decodeSafetensors(modelBytes, join(dir, 'model.safetensors'));
  const params = packParams(layout, model.tensors, join(dir, 'model.safetensors'));
  // Ours record it (and readChecked has just checked it); a model made elsewhere is hashed here.
  const modelSha256 = sums ? (sums['model.safetensors'] as string) : await sha256(modelBytes);
  const out: Checkpoint = { config, params, dir, modelSha256 };
  // Ours always hold a tokenizer (listed in the sidecar); a model made elsewhere may not.
  if (sums || (await store.exists(join(dir, 'tokenizer.json')))) {
    out.tokenizerJson = new TextDecoder().decode(await readChecked(store, dir, 'tokenizer.json', sums));
  }
  if (sidecar) {
    const opt = decodeSafetensors(
      await readChecked(store, dir, 'optimizer.safetensors', sums),
      join(dir, 'optimizer.safetensors'),
    );
    const pick = (prefix: string) =>
      new Map([...opt.tensors].filter(([k]) => k.startsWith(prefix)).map(([k, t]) => [k.slice(prefix.length), t]));
    out.m = packParams(layout, pick('exp_avg.'), 'optimizer exp_avg');
    out.v = packParams(layout, pick('exp_avg_sq.'), 'optimizer exp_avg_sq');
    const { format: _f, files: _files, checksum: _c, ...state } = sidecar;
    out.state = state;
  }
  return out;
}
