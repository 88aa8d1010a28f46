// `repro run`: a fixed protocol (harness/repro/protocols/*.json) run through the ordinary stages
// (runTraining, runRl, runEval on a MemoryStore) and fingerprinted: every step's metrics as float
// bits, per-tensor hashes of the weights and optimizer state at each checkpoint with raw values of a
// few tensors, the sampled token ids and the evaluation's counts. Two adapters trained the same
// bytes exactly when their fingerprints' covered fields (`reproducible`) are equal. Browser-safe.
import { loadCheckpoint, type Checkpoint } from '../ckpt/index.js';
import type { EvalResults } from '../eval/run.js';
import { runEval } from '../eval/run.js';
import { EVAL_SCHEMA, type EvalSettings } from '../eval/settings.js';
import type { Gpu } from '../gpu/index.js';
import { preset } from '../model/config.js';
import { paramLayout } from '../model/params.js';
import { GRPO_SCHEMA, type GrpoConfig } from '../rl/config.js';
import { runRl } from '../rl/stage.js';
import type { StageContext } from '../stage/loop.js';
import { MemoryStore } from '../store/memory.js';
import { joinPath } from '../store/store.js';
import { validateRunConfig } from '../train/runconfig.js';
import { runTraining } from '../train/stage.js';
import { sha256Hex } from '../util/hash.js';
import { parseJson } from '../util/json.js';
import type { OnProgress } from '../util/progress.js';
import { engineIdentity, type EngineIdentity } from '../util/provenance.js';
import { callbackReporter } from '../util/reporter.js';
import { validate } from '../util/schema.js';
import { describeAdapter, type KernelFingerprint } from './kernels.js';

export const PROTOCOL_FORMAT = 'reasoning-engine-protocol/1';
export const FINGERPRINT_FORMAT = 'reasoning-engine-protocol-fingerprint/1';

/** A protocol file: the stages' configs (as `--config` files take them) and what to fingerprint. */
export interface Protocol {
  format: typeof PROTOCOL_FORMAT;
  name: string;
  version: number;
  description: string;
  pretrain: Record<string, unknown>;
  /** Without `init`: RL starts from pre-training's last checkpoint. */
  rl: Record<string, unknown>;
  /** Evaluation of RL's last checkpoint. */
  eval: Record<string, unknown>;
  fingerprint: {
    /** Parameters whose first `values` floats are kept at each checkpoint (to measure distances). */
    tensors: string[];
    values: number;
    /** Sampled ids are kept when a stage drew at most this many; otherwise only their hash. */
    ids: number;
  };
}

/** A protocol with its stages' configs validated, and its identity: the sha256 of the file's text. */
export interface LoadedProtocol extends Protocol {
  sha256: string;
  stages: { pretrain: ReturnType<typeof validateRunConfig>; rl: GrpoConfig; eval: EvalSettings };
}

/** Parses and checks a protocol file's text (`what` names it in errors). */
export async function loadProtocol(text: string, what: string): Promise<LoadedProtocol> {
  const p = parseJson(text, what, 'fix the protocol file') as Protocol;
  if (p?.format !== PROTOCOL_FORMAT) throw new Error(`${what} is not a protocol (format ${PROTOCOL_FORMAT})`);
  const f = p.fingerprint;
  const bad = [
    typeof p.name !== 'string' && 'name (a string)',
    !Number.isInteger(p.version) && 'version (an integer)',
    !(Array.isArray(f?.tensors) && f.tensors.every((t) => typeof t === 'string')) && 'fingerprint.tensors',
    !(Number.isInteger(f?.values) && f.values > 0) && 'fingerprint.values (a positive integer)',
    !(Number.isInteger(f?.ids) && f.ids >= 0) && 'fingerprint.ids (an integer >= 0)',
    'init' in (p.rl ?? {}) && 'rl.init (RL starts from pre-training: leave it out)',
  ].filter(Boolean);
  if (bad.length) throw new Error(`${what}: bad or missing ${bad.join(', ')}`);
  const stage = <T>(name: string, check: () => T): T => {
    try {
      return check();
    } catch (e) {
      throw new Error(`${what}: ${name}: ${(e as Error).message}`);
    }
  };
  const stages = {
    pretrain: stage('pretrain', () => validateRunConfig(p.pretrain)),
    rl: stage('rl', () => validate<GrpoConfig>(GRPO_SCHEMA, p.rl)),
    eval: stage('eval', () => validate<EvalSettings>(EVAL_SCHEMA, p.eval)),
  };
  const names = new Set(paramLayout(preset(stages.pretrain.model, 64)).slots.map((s) => s.name));
  const unknown = f.tensors.filter((t) => !names.has(t));
  if (unknown.length)
    throw new Error(
      `${what}: fingerprint.tensors names ${unknown.join(', ')}, which the ${stages.pretrain.model} model has not`,
    );
  return { ...p, sha256: await sha256Hex(text), stages };
}

/** A finite or not-finite float as the 16 hex digits of its float64 bits (an f32 is exact in them). */
export function floatBits(x: number): string {
  const v = new DataView(new ArrayBuffer(8));
  v.setFloat64(0, x);
  return v.getBigUint64(0).toString(16).padStart(16, '0');
}

export function bitsFloat(hex: string): number {
  const v = new DataView(new ArrayBuffer(8));
  v.setBigUint64(0, BigInt(`0x${hex}`));
  return v.getFloat64(0);
}

export type StageName = 'pretrain' | 'rl' | 'eval';

/** One reported row: a training step or a held-out evaluation, its metrics as values and as bits. */
export interface StepRecord {
  stage: StageName;
  step: number;
  kind: 'train' | 'heldout';
  values: Record<string, number>;
  /** The same metrics as float64 bits (hex): what the comparison compares. */
  bits: Record<string, string>;
}

export interface TensorHashes {
  name: string;
  /** SHA-256 of the tensor's f32 bytes in the weights, AdamW's first and second moments. */
  params: string;
  m: string;
  v: string;
}

export interface CheckpointRecord {
  stage: StageName;
  step: number;
  modelSha256: string;
  tensors: TensorHashes[];
  /** The protocol's chosen tensors: their first `values` floats (null where not finite: JSON has no NaN). */
  values: Record<string, (number | null)[]>;
}

/** One sampler call: its completions, hashed (ids kept when the stage drew few). */
export interface SampleRecord {
  stage: StageName;
  /** The step it belongs to (training: the step being taken; evaluation: the sampler call, from 1). */
  step: number;
  sequences: number;
  tokens: number;
  /** SHA-256 of each completion's length then ids, as little-endian int32. */
  sha256: string;
  ids?: number[][];
}

/** The evaluation's counts per op: what its conclusions rest on. */
export interface EvalOpRecord {
  op: number;
  problems: number;
  samples: number;
  correct: number;
  processCorrect: number;
  truncated: number;
}

export interface ProtocolFingerprint {
  format: typeof FINGERPRINT_FORMAT;
  created: string;
  protocol: { name: string; version: number; sha256: string };
  engine: EngineIdentity;
  adapter: KernelFingerprint['adapter'];
  steps: StepRecord[];
  checkpoints: CheckpointRecord[];
  samples: SampleRecord[];
  eval: EvalOpRecord[];
}

/** The fields two runs of the protocol must share to be the same computation (not who ran it, or when). */
export const REPRODUCIBLE = ['protocol', 'steps', 'checkpoints', 'samples', 'eval'] as const;

export function reproducible(r: ProtocolFingerprint): Pick<ProtocolFingerprint, (typeof REPRODUCIBLE)[number]> {
  return { protocol: r.protocol, steps: r.steps, checkpoints: r.checkpoints, samples: r.samples, eval: r.eval };
}

/** The metrics a row's fingerprint keeps, by kind (time and rate fields are left out). */
const METRICS = {
  pretrain: ['loss', 'grad_norm', 'lr'],
  heldout: ['eval_loss'],
  rl: ['loss', 'grad_norm', 'reward_mean', 'reward_std', 'kl', 'entropy', 'clip_frac_low', 'clip_frac_high'],
};

function stepRecord(stage: StageName, row: Record<string, unknown>): StepRecord | undefined {
  const kind = 'eval_loss' in row ? 'heldout' : 'loss' in row ? 'train' : undefined;
  if (!kind) return undefined;
  const keys = kind === 'heldout' ? METRICS.heldout : stage === 'rl' ? METRICS.rl : METRICS.pretrain;
  const values: Record<string, number> = {};
  const bits: Record<string, string> = {};
  for (const k of keys) {
    if (typeof row[k] !== 'number') continue;
    values[k] = row[k] as number;
    bits[k] = floatBits(row[k] as number);
  }
  // Held-out accuracy per op (greedy answers judged): one metric per op.
  if (kind === 'heldout')
    for (const [op, a] of Object.entries(row.accuracy ?? {})) {
      values[`accuracy.${op}`] = a;
      bits[`accuracy.${op}`] = floatBits(a);
    }
  return { stage, step: row.step as number, kind, values, bits };
}

const bytesOf = (a: Float32Array | Int32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

async function checkpointRecord(stage: StageName, c: Checkpoint, p: Protocol): Promise<CheckpointRecord> {
  const layout = paramLayout(c.config);
  const tensors: TensorHashes[] = [];
  for (const s of layout.slots) {
    const slice = (x: Float32Array | undefined) =>
      bytesOf((x ?? new Float32Array()).subarray(s.offset, s.offset + s.size));
    tensors.push({
      name: s.name,
      params: await sha256Hex(slice(c.params)),
      m: await sha256Hex(slice(c.m)),
      v: await sha256Hex(slice(c.v)),
    });
  }
  const values: CheckpointRecord['values'] = {};
  for (const name of p.fingerprint.tensors) {
    const s = layout.byName.get(name)!; // loadProtocol checked the name
    const n = Math.min(s.size, p.fingerprint.values);
    values[name] = Array.from(c.params.subarray(s.offset, s.offset + n), (x) => (Number.isFinite(x) ? x : null));
  }
  return { stage, step: c.state?.step ?? 0, modelSha256: c.modelSha256, tensors, values };
}

/** Every checkpoint of a run directory, in step order. */
async function checkpointRecords(store: MemoryStore, run: string, stage: StageName, p: Protocol) {
  const root = joinPath(run, 'checkpoints');
  const out: CheckpointRecord[] = [];
  for (const name of await store.list(root))
    if (/^step-\d+$/.test(name))
      out.push(await checkpointRecord(stage, await loadCheckpoint(store, joinPath(root, name), paramLayout), p));
  return out;
}

/** A stage's sampler calls as records, the ids kept when the stage drew at most `limit` tokens. */
async function sampleRecords(
  stage: StageName,
  calls: { step: number; completions: readonly Int32Array[] }[],
  limit: number,
): Promise<SampleRecord[]> {
  const total = calls.reduce((s, c) => s + c.completions.reduce((t, x) => t + x.length, 0), 0);
  const out: SampleRecord[] = [];
  for (const { step, completions } of calls) {
    const flat = new Int32Array(completions.reduce((s, c) => s + 1 + c.length, 0));
    let at = 0;
    for (const c of completions) {
      flat[at++] = c.length;
      flat.set(c, at);
      at += c.length;
    }
    const rec: SampleRecord = {
      stage,
      step,
      sequences: completions.length,
      tokens: flat.length - completions.length,
      sha256: await sha256Hex(bytesOf(flat)),
    };
    if (total <= limit) rec.ids = completions.map((c) => Array.from(c));
    out.push(rec);
  }
  return out;
}

function evalRecords(r: EvalResults): EvalOpRecord[] {
  const byOp = new Map<number, EvalOpRecord>();
  for (const p of r.problems) {
    const e = byOp.get(p.op) ?? { op: p.op, problems: 0, samples: 0, correct: 0, processCorrect: 0, truncated: 0 };
    e.problems++;
    e.samples += p.skipped ? 0 : p.n;
    e.correct += p.cOutcome;
    e.processCorrect += p.cProcess;
    e.truncated += p.truncated;
    byOp.set(p.op, e);
  }
  return [...byOp.values()].sort((a, b) => a.op - b.op);
}

export interface RunOptions {
  onProgress?: OnProgress;
  onLog?: (message: string) => void;
}

/** Runs the protocol on `gpu` (pre-training, RL from its checkpoint, evaluation of RL's) and fingerprints it. */
export async function runProtocol(gpu: Gpu, p: LoadedProtocol, opts: RunOptions = {}): Promise<ProtocolFingerprint> {
  const store = new MemoryStore();
  const steps: StepRecord[] = [];
  const samples: SampleRecord[] = [];
  const checkpoints: CheckpointRecord[] = [];
  // One stage at a time: its rows, and its sampler calls tagged with the step they belong to.
  const stage = async <T>(name: StageName, out: string, body: (ctx: StageContext) => Promise<T>): Promise<T> => {
    let rows = 0;
    const calls: { step: number; completions: readonly Int32Array[] }[] = [];
    const reporter = callbackReporter({
      // Training stages name themselves in their phases; evaluation's say 'samples'.
      progress: (r) => opts.onProgress?.(name === 'eval' ? { ...r, phase: `eval ${r.phase}` } : r),
      log: opts.onLog,
      row: (r) => {
        const rec = stepRecord(name, r as Record<string, unknown>);
        if (rec) steps.push(rec);
        if (rec?.kind === 'train') rows++;
      },
    });
    const observer = {
      sampled: (completions: readonly Int32Array[]) =>
        calls.push({
          step: name === 'eval' ? calls.length + 1 : rows + 1,
          completions: completions.map((c) => c.slice()),
        }),
    };
    const result = await body({ gpu, store, reporter, out, observer });
    samples.push(...(await sampleRecords(name, calls, p.fingerprint.ids)));
    if (name !== 'eval') checkpoints.push(...(await checkpointRecords(store, out, name, p)));
    return result;
  };
  const pre = await stage('pretrain', 'pretrain', (ctx) => runTraining(p.stages.pretrain, ctx));
  const rl = await stage('rl', 'rl', (ctx) => runRl({ ...p.stages.rl, init: pre.checkpoint }, ctx));
  const results = await stage('eval', 'eval.json', (ctx) =>
    runEval({ checkpoint: rl.checkpoint, settings: p.stages.eval }, ctx),
  );
  return {
    format: FINGERPRINT_FORMAT,
    created: new Date().toISOString(),
    protocol: { name: p.name, version: p.version, sha256: p.sha256 },
    engine: await engineIdentity(),
    adapter: describeAdapter(gpu),
    steps,
    checkpoints,
    samples,
    eval: evalRecords(results),
  };
}
