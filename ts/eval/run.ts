// An evaluation run end to end: settings (presets + overrides), the checkpoint loaded onto the GPU
// as a sampler, problems from the generator or a dataset, and one results JSON file. A journal of
// per-problem results lets a killed run resume where it stopped, to the same results.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isCheckpointDir, latestCheckpoint, loadCheckpoint } from '../ckpt/index.js';
import { Tokenizer } from '../data/tokenizer.js';
import { Gpu } from '../gpu/index.js';
import { Model } from '../model/model.js';
import { paramLayout } from '../model/params.js';
import { appendText, writeFileAtomic } from '../io/files.js';
import { log } from '../util/jsonl.js';
import { killPoint } from '../util/killpoint.js';
import type { OnProgress } from '../util/progress.js';
import { aggregate, evaluateProblems, type Aggregates, type ProblemResult } from './evaluate.js';
import { defaultKs } from './passk.js';
import { datasetProblems, generatorProblems } from './problems.js';
import { checkSettings, type EvalSettings } from './settings.js';

/** A checkpoint directory, or a run directory whose checkpoints/latest names one. */
export function resolveCheckpoint(dir: string): string {
  if (!existsSync(dir)) throw new Error(`no checkpoint at ${dir} (no such directory); check the path`);
  if (isCheckpointDir(dir)) return dir;
  const latest = existsSync(join(dir, 'checkpoints')) ? latestCheckpoint(join(dir, 'checkpoints')) : undefined;
  if (latest) return latest;
  throw new Error(`${dir} holds no model.safetensors and no checkpoints/latest: give a checkpoint directory or a run directory`);
}

export interface EvalResults {
  format: 'reasoning-engine-eval/1';
  created: string;
  checkpoint: { dir: string; modelSha256: string; step: number | null };
  adapter: string;
  settings: EvalSettings;
  ks: number[];
  problems: ProblemResult[];
  aggregates: Aggregates;
  timing: { seconds: number; samples: number; tokens: number; samplesPerSecond: number; tokensPerSecond: number };
}

export interface EvalRunOptions {
  checkpoint: string;
  settings: EvalSettings;
  adapter?: string;
  /** Reports the phase 'samples' (samples drawn and judged; a resumed run starts at those it had). */
  onProgress?: OnProgress;
  /** Say on stderr which adapter runs it. */
  announce?: boolean;
  /**
   * A JSON-lines file of finished problems: written as the run goes, read back by a run with the
   * same checkpoint, settings and adapter, which then samples only the problems not in it.
   */
  journal?: string;
}

/** The journal of the results file `out` (the caller removes it once the results are written). */
export const journalPath = (out: string): string => `${out}.partial.jsonl`;

const JOURNAL_FORMAT = 'reasoning-engine-eval-journal/1';

/**
 * The finished problems of a journal written for `key`, keeping only its whole lines (a kill may cut
 * the last one short); a journal for another run, or none, starts empty.
 */
function openJournal(path: string, key: string): Map<number, ProblemResult> {
  const done = new Map<number, ProblemResult>();
  const lines = existsSync(path) ? readFileSync(path, 'utf8').split('\n') : [];
  const parse = (l: string) => {
    try {
      return JSON.parse(l);
    } catch {
      return undefined;
    }
  };
  if (parse(lines[0] ?? '')?.key === key) {
    for (const l of lines.slice(1)) {
      const row = parse(l) as { i: number; result: ProblemResult } | undefined;
      if (row) done.set(row.i, row.result);
    }
    log(`resuming the evaluation from ${path}: ${done.size} problems done`);
  } else if (lines.length) log(`${path} is the journal of another evaluation: starting over`);
  const rows = [{ format: JOURNAL_FORMAT, key }, ...[...done].map(([i, result]) => ({ i, result }))];
  writeFileAtomic(path, rows.map((r) => JSON.stringify(r) + '\n').join(''));
  return done;
}

/** Loads the checkpoint, samples and judges every problem, and returns the results. */
export async function runEval(o: EvalRunOptions): Promise<EvalResults> {
  const s = o.settings;
  checkSettings(s);
  const ks = defaultKs(s.n);
  const dir = resolveCheckpoint(o.checkpoint);
  const ckpt = loadCheckpoint(dir, paramLayout);
  if (!ckpt.tokenizerJson) throw new Error(`checkpoint ${dir} has no tokenizer.json`);
  const tok = await Tokenizer.fromJson(ckpt.tokenizerJson);
  if (tok.vocabSize !== ckpt.config.vocab_size) throw new Error(`checkpoint ${dir}: tokenizer has ${tok.vocabSize} ids, the model ${ckpt.config.vocab_size}`);
  const spec = { ops: s.ops, perOp: s.per_op, templates: s.templates, mode: s.mode };
  const problems = s.data ? datasetProblems(s.data, spec) : await generatorProblems(spec, s.problem_seed);
  const gpu = await Gpu.create({ adapter: o.adapter, announce: o.announce ?? false });
  const modelSha256 = createHash('sha256').update(readFileSync(join(dir, 'model.safetensors'))).digest('hex');
  const ids = problems.map((p) => p.id);
  const key = createHash('sha256').update(JSON.stringify({ modelSha256, settings: s, adapter: gpu.adapterName, ids })).digest('hex');
  const done = o.journal ? openJournal(o.journal, key) : undefined;
  // Decoding needs no training activations: a short sequence keeps them small.
  const hyper = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, clip: 0 };
  const model = await Model.create(gpu, ckpt.config, { params: ckpt.params }, { batch: 1, seqLen: 8, decodeBatch: s.batch }, hyper);
  const report = o.onProgress;
  const out = await evaluateProblems(problems, {
    sampler: (prompts, opts) => model.sample(prompts, opts),
    codec: tok,
    stopId: tok.specialId('</answer>'),
    context: ckpt.config.max_position_embeddings,
    sampling: { ...s, ks },
    onProgress: report && ((samples, total, op) => report({ phase: 'samples', done: samples, total, unit: 'samples', note: op ? `op ${op}` : undefined })),
    done,
    onProblem: (i, result) => {
      if (!o.journal) return;
      appendText(o.journal, JSON.stringify({ i, result }) + '\n');
      killPoint('eval-problem');
    },
  });
  return {
    format: 'reasoning-engine-eval/1',
    created: new Date().toISOString(),
    checkpoint: {
      dir,
      modelSha256,
      step: ckpt.state?.step ?? null,
    },
    adapter: gpu.adapterName,
    settings: s,
    ks,
    problems: out.problems,
    aggregates: aggregate(out.problems, ks),
    timing: {
      seconds: out.seconds,
      samples: out.samples,
      tokens: out.tokens,
      samplesPerSecond: out.samples / out.seconds,
      tokensPerSecond: out.tokens / out.seconds,
    },
  };
}

/** Writes JSON atomically (ts/io/files.ts). */
export function writeJson(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 1) + '\n');
}
