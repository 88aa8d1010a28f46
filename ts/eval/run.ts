// An evaluation run end to end: settings (presets + overrides), the checkpoint loaded onto the GPU
// as a sampler, problems from the generator or a dataset, and one results JSON file. A journal of
// per-problem results beside that file lets a killed run resume where it stopped, to the same results.
import { isCheckpointDir, latestCheckpoint, loadCheckpoint } from '../ckpt/index.js';
import { Tokenizer } from '../data/tokenizer.js';
import { InferenceModel } from '../model/inference.js';
import { paramLayout } from '../model/params.js';
import { runLoop, StageStopped, type StageContext } from '../stage/loop.js';
import { joinPath as join, readText, type RunStore } from '../store/store.js';
import { sha256Hex } from '../util/hash.js';
import { provenance, type Provenance } from '../util/provenance.js';
import type { Reporter } from '../util/reporter.js';
import { aggregate, type Aggregates, type ProblemResult } from './aggregate.js';
import { planEvaluation } from './evaluate.js';
import { defaultKs } from './passk.js';
import { datasetProblems, generatorProblems } from './problems.js';
import { openSamples, sampleLines, sampleRecords, type SampleRecord } from './samples.js';
import { checkSettings, type EvalSettings } from './settings.js';

/** A checkpoint directory, or a run directory whose checkpoints/latest names one. */
export async function resolveCheckpoint(store: RunStore, dir: string): Promise<string> {
  if (!(await store.exists(dir))) throw new Error(`no checkpoint at ${dir} (no such directory); check the path`);
  if (await isCheckpointDir(store, dir)) return dir;
  const latest = await latestCheckpoint(store, join(dir, 'checkpoints'));
  if (latest) return latest;
  throw new Error(
    `${dir} holds no model.safetensors and no checkpoints/latest: give a checkpoint directory or a run directory`,
  );
}

export interface EvalResults {
  format: 'reasoning-engine-eval/1';
  created: string;
  checkpoint: { dir: string; modelSha256: string; step: number | null };
  adapter: string;
  /** The engine and adapter that produced the results. */
  provenance: Provenance;
  settings: EvalSettings;
  ks: number[];
  problems: ProblemResult[];
  aggregates: Aggregates;
  timing: { seconds: number; samples: number; tokens: number; samplesPerSecond: number; tokensPerSecond: number };
}

/** What to evaluate and how: a checkpoint (or a run directory) and the settings. */
export interface EvalConfig {
  checkpoint: string;
  settings: EvalSettings;
  /** Where to write every completion with its verdict (JSON lines, eval --samples), as the evaluation goes. */
  samples?: string;
}

/** The journal of the results file `out` (removed once the results are written: finishEval). */
export const journalPath = (out: string): string => `${out}.partial.jsonl`;

// Format 2: every row has the `step` of the stage loop (the sampler call that finished the problem;
// the header's is 0), so the loop keeps the rows of a resumed run's finished calls.
const JOURNAL_FORMAT = 'reasoning-engine-eval-journal/2';

/**
 * The finished problems of a journal written for `key`, keeping only its whole lines (a kill may cut
 * the last one short); a journal for another run, or none, starts anew with its header.
 */
async function openJournal(
  store: RunStore,
  path: string,
  key: string,
  reporter: Reporter,
): Promise<Map<number, ProblemResult>> {
  const done = new Map<number, ProblemResult>();
  const lines = (await readText(store, path))?.split('\n') ?? [];
  const parse = (l: string) => {
    try {
      return JSON.parse(l);
    } catch {
      return undefined;
    }
  };
  const head = parse(lines[0] ?? '');
  if (head?.format === JOURNAL_FORMAT && head.key === key) {
    for (const l of lines.slice(1)) {
      const row = parse(l) as { i: number; result: ProblemResult } | undefined;
      if (row) done.set(row.i, row.result);
    }
    reporter.log(`resuming the evaluation from ${path}: ${done.size} problems done`);
    return done;
  }
  if (lines.length) reporter.log(`${path} is the journal of another evaluation: starting over`);
  await store.write(path, JSON.stringify({ step: 0, format: JOURNAL_FORMAT, key }) + '\n');
  return done;
}

/**
 * Loads the checkpoint, samples and judges every problem (each a row `{step, i, result}` for the
 * reporter, as in the journal), and returns the results; ctx.out is the
 * results file the caller writes (finishEval), and its journal is kept beside it meanwhile.
 */
export async function runEval(cfg: EvalConfig, ctx: StageContext): Promise<EvalResults> {
  const { store, reporter, gpu } = ctx;
  const s = cfg.settings;
  checkSettings(s);
  const ks = defaultKs(s.n);
  const dir = await resolveCheckpoint(store, cfg.checkpoint);
  const ckpt = await loadCheckpoint(store, dir, paramLayout);
  if (!ckpt.tokenizerJson) throw new Error(`checkpoint ${dir} has no tokenizer.json`);
  const tok = await Tokenizer.fromJson(ckpt.tokenizerJson);
  if (tok.vocabSize !== ckpt.config.vocab_size)
    throw new Error(`checkpoint ${dir}: tokenizer has ${tok.vocabSize} ids, the model ${ckpt.config.vocab_size}`);
  const spec = { ops: s.ops, perOp: s.per_op, templates: s.templates, mode: s.mode };
  const problems = s.data ? await datasetProblems(store, s.data, spec) : await generatorProblems(spec, s.problem_seed);
  const { modelSha256 } = ckpt;
  const ids = problems.map((p) => p.id);
  // A journal written without samples cannot resume a run that writes them (its problems' lines are not there).
  const keyed = { modelSha256, settings: s, adapter: gpu.adapterName, ids, ...(cfg.samples ? { samples: true } : {}) };
  const key = await sha256Hex(JSON.stringify(keyed));
  const journal = journalPath(ctx.out);
  const done = await openJournal(store, journal, key, reporter);
  if (cfg.samples) await openSamples(store, cfg.samples, key, new Set(done.keys()));
  const judged: SampleRecord[] = [];
  const model = new InferenceModel(gpu, ckpt.config, ckpt.params, { decodeBatch: s.batch });
  const t0 = performance.now();
  const plan = await planEvaluation(problems, {
    sampler: async (prompts, opts) => {
      const out = await model.sample(prompts, opts);
      ctx.observer?.sampled?.(out.tokens);
      return out;
    },
    codec: tok,
    stopId: tok.specialId('</answer>'),
    context: ckpt.config.max_position_embeddings,
    sampling: { ...s, ks },
    done,
    onSamples: cfg.samples
      ? (i, texts, verdicts) => judged.push(...sampleRecords(i, problems[i], texts, verdicts))
      : undefined,
  });
  // The first call with a problem not in the journal: calls finish problems in order.
  const first = plan.calls.findIndex((c) => c.ids.some((i) => !done.has(i)));
  const start = first < 0 ? plan.calls.length : first;
  const { stopped } = await runLoop(
    {
      label: 'samples',
      stop: ctx.stop,
      steps: plan.calls.length,
      start,
      progress: { unit: 'samples', total: plan.total, done: plan.samples },
      log: journal,
      killPoint: 'eval-problem',
      async step(k) {
        const finished = (await plan.call(k)) ?? [];
        // Before the journal rows (the loop writes them after this step): a kill in between leaves
        // lines of problems the journal lacks, which openSamples drops.
        if (cfg.samples && judged.length) await store.append(cfg.samples, sampleLines(judged.splice(0)));
        const rows = finished.map((i) => ({ step: k, i, result: plan.results[i] }));
        return { rows, done: plan.samples, note: `op ${problems[plan.calls[k].ids[0]].op}` };
      },
    },
    store,
    reporter,
  );
  if (stopped)
    throw new StageStopped(`evaluation stopped; run it again with the same settings to resume from ${journal}`);
  const seconds = (performance.now() - t0) / 1000;
  return {
    format: 'reasoning-engine-eval/1',
    created: new Date().toISOString(),
    checkpoint: {
      dir,
      modelSha256,
      step: ckpt.state?.step ?? null,
    },
    adapter: gpu.adapterName,
    provenance: await provenance(gpu.adapterInfo, gpu.kernels),
    settings: s,
    ks,
    problems: plan.results,
    aggregates: aggregate(plan.results, ks),
    timing: {
      seconds,
      samples: plan.samples,
      tokens: plan.tokens,
      samplesPerSecond: plan.samples / seconds,
      tokensPerSecond: plan.tokens / seconds,
    },
  };
}

/** The lock an evaluation holds on its results file `out` (with its journal and samples). */
export const evalLockPath = (out: string): string => `${out}.lock`;

/**
 * runEval, then its results, or the document `as` makes of them (a calibration), written to ctx.out
 * (finishEval), holding evalLockPath(ctx.out) throughout: a second evaluation into the same file,
 * which would interleave their journals, is refused with the holder's name. Returns the document.
 */
export async function evaluateToFile<D = EvalResults>(
  cfg: EvalConfig,
  ctx: StageContext,
  as: (r: EvalResults) => D = (r) => r as D,
): Promise<D> {
  const release = await ctx.store.lock(evalLockPath(ctx.out), ctx.out);
  try {
    const doc = as(await runEval(cfg, ctx));
    await finishEval(ctx.store, ctx.out, doc);
    return doc;
  } finally {
    await release();
  }
}

/** Writes the results (or a document holding them) to `out` atomically, then drops the journal. */
export async function finishEval(store: RunStore, out: string, value: unknown): Promise<void> {
  await store.write(out, JSON.stringify(value, null, 1) + '\n');
  await store.remove(journalPath(out));
}
