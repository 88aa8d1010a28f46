// A pre-training or mid-training stage, start to finish: data built into the run directory, the
// model created or loaded, optimizer steps with a progress bar, metrics as JSON lines, periodic
// held-out evaluation and checkpoints. A run directory that already holds checkpoints resumes from
// the latest one, bit for bit where the uninterrupted run would have been.
import { loadCheckpoint, type TrainerState } from '../ckpt/index.js';
import { buildDataset } from '../data/build.js';
import { datasetProblems } from '../eval/problems.js';
import { TEMPLATES, type Problem } from '../data/generator.js';
import { readIndex } from '../data/shards.js';
import { Tokenizer } from '../data/tokenizer.js';
import { trainDefaultTokenizer } from '../data/tokenizer-default.js';
import { tokenizerHash } from '../data/tokenizer-file.js';
import type { Gpu } from '../gpu/device.js';
import { preset, type Qwen2Config } from '../model/config.js';
import { TrainingModel } from '../model/training.js';
import { initParams, paramLayout } from '../model/params.js';
import { chooseKernels } from '../model/products.js';
import { runLoop, type StageContext } from '../stage/loop.js';
import { withRunDir } from '../stage/rundir.js';
import { readText, type RunStore } from '../store/store.js';
import { BatchReader, type Cursor } from './batches.js';
import { heldOut, modalAnswers, type HeldOut, type TrainableModel } from './heldout.js';
import { optimizerOf, tokensPerStep, upgradeRunConfig, type RunConfig } from './runconfig.js';
import { lrAt, validateSchedule } from './schedule.js';

export interface ModelFactory {
  (
    config: Qwen2Config,
    init: { params: Float32Array; m?: Float32Array; v?: Float32Array },
    run: RunConfig,
  ): Promise<TrainableModel>;
}

/** The GPU model (ts/model) shaped by the run config. */
export function modelFactory(gpu: Gpu): ModelFactory {
  // Held-out evaluation decodes its prompts together: a decode batch well above the training batch.
  return async (config, init, run) => {
    const shape = { batch: run.batch_size, seqLen: run.seq_len, decodeBatch: Math.max(run.batch_size, 32) };
    return new TrainingModel(gpu, config, init, shape, optimizerOf(run));
  };
}

export interface StageResult {
  checkpoint: string;
  steps: number;
  tokens: number;
  finalLoss: number;
  heldOut?: HeldOut;
  /** Stopped early (ctx.stop): `steps` (the steps taken) fall short of the run's, `checkpoint` holds them. */
  stopped: boolean;
}

/** Evaluation problems per op from the dataset's eval files (templates split evenly). */
async function evalProblems(
  store: RunStore,
  dataDir: string,
  ops: number[],
  perOp: number,
): Promise<Map<number, Problem[]>> {
  const byOp = new Map<number, Problem[]>();
  for (const p of await datasetProblems(store, dataDir, { ops, perOp, templates: TEMPLATES, mode: 'forward' })) {
    byOp.set(p.op, [...(byOp.get(p.op) ?? []), p]);
  }
  return byOp;
}

/** Rows of the sample behind packingFill: enough that the share varies by well under 5%. */
const FILL_SAMPLE_ROWS = 256;

/** The share of row positions whole-document packing fills with this run's mixture and rows. */
async function packingFill(store: RunStore, dir: string, cfg: RunConfig, tok: Tokenizer): Promise<number> {
  await store.remove(dir);
  try {
    await buildDataset(store, {
      out: dir,
      mixture: cfg.mixture,
      tokens: FILL_SAMPLE_ROWS * cfg.seq_len,
      seed: cfg.seed,
      tokenizer: tok,
    });
    const reader = await BatchReader.open(store, dir, 1, cfg.seq_len);
    let used = 0,
      rows = 0;
    for (let b = await reader.next(); b; b = await reader.next()) {
      for (const m of b.mask) used += m;
      used++; // the row's last token is a target only
      rows++;
    }
    return used / (rows * cfg.seq_len);
  } finally {
    await store.remove(dir);
  }
}

/**
 * Pre-training or mid-training (cfg.stage) in the run directory ctx.out, claimed (locked) for the
 * duration: data built into it, the model created or loaded, optimizer steps, metrics as JSON lines,
 * periodic held-out evaluation and checkpoints. A run directory that already holds checkpoints
 * resumes from the latest one, bit for bit where the uninterrupted run would have been.
 */
export async function runTraining(
  cfg: RunConfig,
  ctx: StageContext & { createModel?: ModelFactory },
): Promise<StageResult> {
  const { store, reporter } = ctx;
  const createModel = ctx.createModel ?? modelFactory(ctx.gpu);
  return withRunDir(
    ctx,
    'run.json',
    cfg,
    async (run) => {
      const resumed = run.resumed;
      const initCkpt = !resumed && cfg.init ? await loadCheckpoint(store, cfg.init, paramLayout) : undefined;

      // Tokenizer: the initial checkpoint's (mid-training), else the default one, kept in the run dir.
      const tokPath = run.path('tokenizer.json');
      let tok: Tokenizer;
      const tokJson = resumed?.tokenizerJson ?? initCkpt?.tokenizerJson ?? (await readText(store, tokPath));
      if (tokJson) tok = await Tokenizer.fromJson(tokJson);
      else if (cfg.init) throw new Error(`${cfg.init} has no tokenizer.json`);
      else tok = await trainDefaultTokenizer();
      const tokenizerJson = JSON.stringify(tok.toJson());
      await store.write(tokPath, tokenizerJson);

      // Data: built once into the run dir (a resumed run finds it there).
      const dataDir = run.path('data');
      const perStep = tokensPerStep(cfg);
      const steps = Math.floor(cfg.tokens / perStep);
      if (steps < 1)
        throw new Error(
          `tokens ${cfg.tokens} is less than one step of ${perStep} tokens (batch_size * seq_len * grad_accum)`,
        );
      validateSchedule(cfg, steps);
      if (!(await store.exists(run.path('data', 'index.json')))) {
        reporter.log(
          `building ${(cfg.tokens / 1e6).toFixed(2)}M training tokens (${JSON.stringify(cfg.mixture)}) and evaluation sets into ${dataDir}`,
        );
        // Rows are padded where the next document does not fit (batches.ts): the data must cover the
        // budget over the share of positions that packing fills, measured on a sample of the mixture.
        const fill = await packingFill(store, run.path('data.fill-sample'), cfg, tok);
        await buildDataset(store, {
          out: dataDir,
          mixture: cfg.mixture,
          tokens: Math.ceil((1.05 * steps * perStep) / fill) + 2 * cfg.batch_size * cfg.seq_len,
          seed: cfg.seed,
          tokenizer: tok,
          eval: {
            ops: cfg.eval_ops,
            templates: TEMPLATES,
            modes: ['forward'],
            count: Math.ceil(cfg.eval_per_op / TEMPLATES.length),
            seed: cfg.seed + 1_000_003,
          },
          onProgress: (r) => reporter.progress({ ...r, phase: `${cfg.stage} data: ${r.phase}` }),
        });
      }
      const dataTok = (await readIndex(store, dataDir)).tokenizer.sha256;
      if (dataTok !== (await tokenizerHash(tok))) {
        throw new Error(
          `the dataset in ${dataDir} was tokenized with another tokenizer (sha256 ${dataTok.slice(0, 12)}...)`,
        );
      }

      const config = resumed?.config ?? initCkpt?.config ?? preset(cfg.model, tok.vocabSize);
      if (config.vocab_size !== tok.vocabSize)
        throw new Error(`model vocab_size ${config.vocab_size} differs from the tokenizer's ${tok.vocabSize}`);
      const layout = paramLayout(config);
      const start = resumed ?? {
        params: initCkpt?.params ?? initParams(config, layout, cfg.seed),
        m: undefined,
        v: undefined,
      };
      await run.recordKernels(await chooseKernels(ctx.gpu, config, cfg.batch_size, cfg.seq_len));
      const model = await createModel(config, { params: start.params, m: start.m, v: start.v }, cfg);
      const state: TrainerState = resumed?.state ?? {
        step: 0,
        tokensSeen: 0,
        dataCursor: undefined,
        rng: { seed: cfg.seed },
        runConfig: cfg,
      };
      const lossFrom = cfg.loss_on === 'solution' ? tok.specialId('<solution>') : undefined;
      const reader = await BatchReader.open(
        store,
        dataDir,
        cfg.batch_size,
        cfg.seq_len,
        state.dataCursor as Cursor | undefined,
        lossFrom,
      );
      const evalSet = await evalProblems(store, dataDir, cfg.eval_ops, cfg.eval_per_op);
      const bars = (r: Parameters<typeof reporter.progress>[0]) =>
        reporter.progress({ ...r, phase: `${cfg.stage} ${r.phase}` });
      const modal = await modalAnswers(cfg.eval_ops, undefined, bars);

      let checkpoint = resumed?.dir ?? '';
      let final: HeldOut | undefined;
      let lastLoss = NaN;
      const t0 = performance.now();
      const tokens0 = state.tokensSeen;
      const { stopped } = await runLoop(
        {
          label: cfg.stage,
          stop: ctx.stop,
          steps,
          start: state.step,
          resumedFrom: resumed?.dir,
          progress: { unit: 'tokens', total: steps * perStep, done: state.tokensSeen },
          log: run.metrics,
          killPoint: 'train-step',
          async step() {
            const batches = [];
            let real = 0;
            for (let i = 0; i < cfg.grad_accum; i++) {
              const b = await reader.next();
              if (!b) throw new Error(`the dataset in ${dataDir} ran out at step ${state.step}`);
              batches.push(b);
              for (const m of b.mask) real += m;
            }
            const lr = lrAt(state.step, steps, cfg);
            const { loss, gradNorm } = await model.trainStep(batches, lr, state.step + 1);
            const skipped = !Number.isFinite(gradNorm); // the model left weights and optimizer state as they were
            if (skipped)
              reporter.log(`step ${state.step + 1}: gradient norm ${gradNorm}, update skipped (lower the lr?)`);
            state.step++;
            state.tokensSeen += perStep;
            lastLoss = loss;
            const rate = (state.tokensSeen - tokens0) / ((performance.now() - t0) / 1000);
            const row = {
              stage: cfg.stage,
              step: state.step,
              tokens: state.tokensSeen,
              loss,
              grad_norm: gradNorm,
              lr,
              ...(skipped ? { skipped } : {}),
              fill: real / perStep,
              tokens_per_s: Math.round(rate),
            };
            return { rows: [row], done: state.tokensSeen, note: `loss ${loss.toFixed(3)}` };
          },
          periodic: [
            {
              every: cfg.eval_interval,
              atEnd: 'always',
              async run() {
                const h = await heldOut(
                  model,
                  tok,
                  evalSet,
                  modal,
                  cfg.batch_size,
                  cfg.seq_len,
                  cfg.eval_max_new_tokens,
                  bars,
                );
                final = h;
                const { loss, accuracy, judged, majority } = h;
                return [
                  {
                    stage: cfg.stage,
                    step: state.step,
                    tokens: state.tokensSeen,
                    eval_loss: loss,
                    accuracy,
                    judged,
                    majority,
                  },
                ];
              },
            },
            {
              every: cfg.checkpoint_interval,
              atEnd: 'if-stepped',
              atStop: true,
              async run() {
                const snap = await model.snapshot();
                state.dataCursor = reader.cursor;
                checkpoint = await run.save({ config, layout, ...snap, tokenizerJson, state });
              },
            },
          ],
        },
        store,
        reporter,
      );
      const { tokensSeen: tokens, step: taken } = state;
      return { checkpoint, steps: taken, tokens, finalLoss: lastLoss, heldOut: final, stopped };
    },
    upgradeRunConfig,
  );
}
