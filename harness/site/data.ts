// What a static site shows, read from run directories: evaluation results, calibrations, samples
// (eval --samples) and the metrics.jsonl of training and RL runs, each copied under the site's data/
// folder and listed in data/index.json (the manifest the pages read). Checkpoint and dataset folders
// are never walked: model weights go in only through --checkpoint.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { checkProtocolFingerprint } from '../../ts/repro/compare-protocol.js';
import { parseJson } from '../../ts/util/json.js';
import type { DataEntry, SiteManifest } from '../web/common/data.js';

// Folders of a run directory that hold weights or training data, never results.
const SKIP_DIRS = new Set(['checkpoints', 'data', 'node_modules']);

/** The first line of a JSON lines file, parsed, or undefined. */
function firstJson(path: string): { format?: string } | undefined {
  const text = readFileSync(path, 'utf8');
  try {
    return JSON.parse(text.slice(0, text.indexOf('\n') >>> 0));
  } catch {
    return undefined;
  }
}

/** The kind of a results file by its content, or undefined for a file the site does not show. */
export function kindOf(path: string): DataEntry['kind'] | undefined {
  const name = basename(path);
  if (name.endsWith('.partial.jsonl')) return undefined; // a running evaluation's journal
  if (name === 'metrics.jsonl') return 'metrics';
  if (name.endsWith('.jsonl'))
    return firstJson(path)?.format?.startsWith('reasoning-engine-samples/') ? 'samples' : undefined;
  if (!name.endsWith('.json')) return undefined;
  let format: unknown;
  try {
    format = (JSON.parse(readFileSync(path, 'utf8')) as { format?: unknown }).format;
  } catch {
    return undefined;
  }
  if (format === 'reasoning-engine-eval/1') return 'eval';
  if (format === 'reasoning-engine-calibration/1') return 'calibration';
  return undefined;
}

/** Every results file under `dir` (a run directory, or a folder of them), by path relative to it. */
export function findResults(dir: string): { path: string; kind: DataEntry['kind'] }[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory())
    throw new Error(`--results ${dir}: no such directory; give a run directory such as runs/start`);
  const found: { path: string; kind: DataEntry['kind'] }[] = [];
  const walk = (at: string) => {
    for (const e of readdirSync(join(dir, at), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const rel = at ? `${at}/${e.name}` : e.name;
      if (e.isDirectory() && !SKIP_DIRS.has(e.name)) walk(rel);
      else if (e.isFile()) {
        const kind = kindOf(join(dir, rel));
        if (kind) found.push({ path: rel, kind });
      }
    }
  };
  walk('');
  return found;
}

/**
 * Copies the results found in each of `dirs` to `out`/data/<n>-<folder name>/ (JSON re-written
 * compact) and returns their manifest entries, in the order given.
 */
export function copyResults(dirs: string[], out: string): DataEntry[] {
  const entries: DataEntry[] = [];
  dirs.forEach((dir, n) => {
    const found = findResults(dir);
    if (!found.length)
      throw new Error(`--results ${dir}: no evaluation results, samples or metrics.jsonl in it (see docs/site.md)`);
    const label = basename(dir.replace(/\/+$/, '')) || `results${n}`;
    const prefix = `data/${n}-${label}`;
    for (const { path, kind } of found) {
      const file = `${prefix}/${path}`;
      mkdirSync(dirname(join(out, file)), { recursive: true });
      if (path.endsWith('.json'))
        writeFileSync(join(out, file), JSON.stringify(JSON.parse(readFileSync(join(dir, path), 'utf8'))));
      else copyFileSync(join(dir, path), join(out, file));
      entries.push({ kind, name: `${label}/${path.replace(/(\/metrics)?\.jsonl?$/, '')}`, file });
    }
  });
  return entries;
}

// What a page needs to load a model: the weights alone. The optimizer state stays behind, and so does
// trainer_state.json, which lists it (the checkpoint loader holds a folder to every file its sidecar
// lists), so the published folder is a complete weights-only checkpoint.
const CHECKPOINT_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];

/** Copies the checkpoint at `dir` (a checkpoint directory) to `out`/checkpoint/. */
export function copyCheckpoint(dir: string, out: string): NonNullable<SiteManifest['checkpoint']> {
  const files = CHECKPOINT_FILES.filter((f) => existsSync(join(dir, f)));
  if (!files.includes('model.safetensors') || !files.includes('tokenizer.json'))
    throw new Error(`--checkpoint ${dir}: no model.safetensors and tokenizer.json there; give a checkpoint directory`);
  mkdirSync(join(out, 'checkpoint'), { recursive: true });
  let bytes = 0;
  for (const f of files) {
    copyFileSync(join(dir, f), join(out, 'checkpoint', f));
    bytes += statSync(join(dir, f)).size;
  }
  return { dir: 'checkpoint/', files, bytes };
}

/** The JSON files of `dir`, by name, in name order ([] when there is no such folder). */
const jsonFiles = (dir: string) =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];

/**
 * Copies the reproducibility protocols of `dir` (protocols/*.json, byte for byte: their sha256 is
 * their identity) and its reference fingerprints (fingerprints/*.json, each checked) to
 * `out`/data/repro/, and returns their manifest entry.
 */
export function copyRepro(dir: string, out: string): SiteManifest['repro'] {
  const to = join(out, 'data/repro');
  mkdirSync(to, { recursive: true });
  const protocols = jsonFiles(join(dir, 'protocols')).map((f) => {
    copyFileSync(join(dir, 'protocols', f), join(to, f));
    return { name: f.slice(0, -5), file: `data/repro/${f}` };
  });
  const fingerprints = jsonFiles(join(dir, 'fingerprints')).map((f) => {
    const path = join(dir, 'fingerprints', f);
    const value = checkProtocolFingerprint(parseJson(readFileSync(path, 'utf8'), path), path);
    writeFileSync(join(to, `fingerprint-${f}`), JSON.stringify(value));
    const adapter = value.adapter.description || value.adapter.name;
    return { name: f.slice(0, -5), file: `data/repro/fingerprint-${f}`, protocol: value.protocol, adapter };
  });
  return { protocols, fingerprints };
}
