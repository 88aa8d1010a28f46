// `npm start`: the whole study loop at CPU scale, on the default adapter (or --adapter):
//   1. gpu:       kernels checked against the reference on the chosen adapter
//   2. pretrain:  the `mini` model from scratch on op 2-10 (data, tokenizer and eval sets built first)
//   3. check:     the training data read back against its hashes; no evaluation problem in it
//   4. midtrain:  continued on 20% op 2-10 + 80% op 11-14
//   5. calibrate: per-op pass@k of the mid-trained model, and the RL range at its edge of competence
//   6. rl:        GRPO on that range
//   7. eval:      process-verified pass@k of the base, mid-trained and RL models by split
// with tables of held-out greedy accuracy and pass@k. Each training stage resumes from its run
// directory's checkpoints; results are JSON files under --out, and each evaluation's completions with
// their verdicts samples-NAME.jsonl beside them.
import { join } from 'node:path';
import { checkDataset } from '../../../ts/data/build.js';
import { Gpu } from '../../../ts/gpu/index.js';
import {
  EVAL_SCHEMA,
  finishEval,
  proposeRange,
  runEval,
  type EvalResults,
  type EvalSettings,
} from '../../../ts/eval/index.js';
import { selfCheck } from '../../../ts/ops/selfcheck.js';
import { validateGrpoConfig } from '../../../ts/rl/config.js';
import { runRl } from '../../../ts/rl/stage.js';
import { pooled, type HeldOut } from '../../../ts/train/heldout.js';
import { preset } from '../../../ts/config/presets.js';
import { validateRunConfig } from '../../../ts/train/runconfig.js';
import { runTraining } from '../../../ts/train/stage.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit, log } from '../../../ts/io/stdio.js';
import { validate } from '../../../ts/util/schema.js';
import type { Command } from '../options.js';

function table(rows: [string, HeldOut | undefined][]): string {
  const ops = [...new Set(rows.flatMap(([, h]) => Object.keys(h?.accuracy ?? {}).map(Number)))].sort((a, b) => a - b);
  const pct = (x: number | undefined) => (x === undefined ? '   -' : `${(100 * x).toFixed(0).padStart(3)}%`);
  const head = `${'greedy accuracy'.padEnd(18)}${ops.map((o) => `op${o}`.padStart(5)).join('')}`;
  const lines = rows.map(([name, h]) => `${name.padEnd(18)}${ops.map((o) => ' ' + pct(h?.accuracy[o])).join('')}`);
  const base = `${'majority answer'.padEnd(18)}${ops.map((o) => ' ' + pct(rows.map(([, h]) => h?.majority[o]).find((x) => x !== undefined))).join('')}`;
  return [head, ...lines, base].join('\n');
}

/** pass@1 and pass@n, outcome and process-verified, by split, one row per model. */
function passTable(evals: [string, EvalResults][], n: number): string {
  const splits = Object.keys(evals[0][1].aggregates.splits);
  const pct = (x: number | undefined) => (x === undefined ? '    -' : `${(100 * x).toFixed(1).padStart(5)}`);
  const head = `${'pass@k (%)'.padEnd(12)}${splits.map((s) => `${s} p@1 / p@${n} / strict p@${n}`.padStart(34)).join('')}`;
  const rows = evals.map(
    ([name, r]) =>
      `${name.padEnd(12)}${splits
        .map((s) => {
          const g = r.aggregates.splits[s];
          return `${pct(g?.passOutcome[1])} / ${pct(g?.passOutcome[n])} / ${pct(g?.passProcess[n])}`.padStart(34);
        })
        .join('')}`,
  );
  return [head, ...rows].join('\n');
}

export const start: Command = {
  summary:
    'the end-to-end study at CPU scale in seven stages: GPU check -> pre-train mini (op 2-10) -> check its data -> ' +
    'mid-train (op 11-14) -> calibrate (pass@k per op, RL range) -> GRPO on that range -> pass@k of the base, ' +
    'mid-trained and RL models; held-out accuracy after each training stage, which resumes from its checkpoints',
  options: {
    out: { type: 'string', default: 'runs/start', value: 'DIR', help: 'where every stage writes' },
    adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
    // 0.05 runs every stage with tiny budgets.
    scale: { type: 'number', default: 1, help: 'x the training token budgets, and x min(1, 4 x scale) the RL steps' },
  },
  async run(args) {
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const scale = args.num('scale');
    if (!(scale > 0)) throw new Error(`--scale must be above 0, got ${scale}`);
    const t0 = performance.now();
    const stage = (name: string, row: object) =>
      emit({ stage: name, ...row, seconds: +((performance.now() - t0) / 1000).toFixed(1) });

    log('[1/7] GPU kernels on the chosen adapter');
    const gpu = await Gpu.create({ adapter });
    stage('gpu', {
      adapter: gpu.adapterName,
      kind: gpu.adapterKind,
      ...(await selfCheck(gpu, terminalReporter('[1/7]').progress)),
    });
    // One device and one store for every stage; each stage's bars are labelled with its number.
    const store = new NodeStore();
    const ctx = (n: number, dir: string, label = `[${n}/7]`) => ({
      gpu,
      store,
      reporter: terminalReporter(label, { rows: false }),
      out: join(out, dir),
    });

    log('[2/7] pre-training mini on op 2-10');
    const prePreset = preset('pretrain', 'mini-pretrain');
    const pre = validateRunConfig({ ...prePreset, tokens: Math.round((prePreset.tokens as number) * scale) });
    const base = await runTraining(pre, ctx(2, 'pretrain'));
    const easy = pooled(base.heldOut!, [2, 3, 4]);
    stage('pretrain', {
      checkpoint: base.checkpoint,
      steps: base.steps,
      tokens: base.tokens,
      loss: base.finalLoss,
      heldOut: base.heldOut,
      op2to4: easy,
    });
    log(
      `op 2-4 after pre-training: greedy accuracy ${(100 * easy.accuracy).toFixed(1)}% of ${easy.judged}, always the most frequent answer ${(100 * easy.majority).toFixed(1)}%: ${easy.ratio.toFixed(2)}x`,
    );

    log('[3/7] checking the training data');
    const check = await checkDataset(store, join(out, 'pretrain', 'data'), terminalReporter('[3/7]').progress);
    if (check.evalInTraining > 0) throw new Error(`${check.evalInTraining} training documents are evaluation problems`);
    stage('check', { ...check });

    log('[4/7] mid-training on 20% op 2-10 + 80% op 11-14');
    const midPreset = preset('midtrain', 'mini-midtrain');
    const mid = validateRunConfig({
      ...midPreset,
      tokens: Math.round((midPreset.tokens as number) * scale),
      init: base.checkpoint,
    });
    const midResult = await runTraining(mid, ctx(4, 'midtrain'));
    stage('midtrain', {
      checkpoint: midResult.checkpoint,
      steps: midResult.steps,
      tokens: midResult.tokens,
      loss: midResult.finalLoss,
      heldOut: midResult.heldOut,
    });

    log(
      '\n' +
        table([
          ['after pretrain', base.heldOut],
          ['after midtrain', midResult.heldOut],
        ]) +
        '\n',
    );

    log('[5/7] calibrating the mid-trained model (pass@k per op)');
    const evalSettings = validate<EvalSettings>(EVAL_SCHEMA, preset('eval', 'start'));
    // Every evaluation also writes its completions with their verdicts (the site's Samples page).
    const samples = (name: string) => join(out, `samples-${name}.jsonl`);
    const calib = await runEval(
      { checkpoint: midResult.checkpoint, settings: evalSettings, samples: samples('midtrain') },
      ctx(5, 'calibration.json', '[5/7] midtrain'),
    );
    const proposal = proposeRange(calib.aggregates, evalSettings.n);
    await finishEval(store, join(out, 'calibration.json'), {
      format: 'reasoning-engine-calibration/1',
      ...proposal,
      evaluation: calib,
    });
    // No op at the edge of competence (e.g. a model that solves nothing yet): the study's edge range.
    const ops: [number, number] = proposal.range ? [proposal.range.from, proposal.range.to] : [11, 14];
    stage('calibrate', { range: proposal.range, reason: proposal.reason, rlOps: ops });

    log(`[6/7] GRPO on ops ${ops[0]}-${ops[1]}`);
    const rlPreset = preset('rl', 'mini-rl');
    const rlSteps = Math.max(1, Math.round((rlPreset.max_steps as number) * Math.min(1, scale * 4)));
    const rlCfg = validateGrpoConfig({ ...rlPreset, max_steps: rlSteps, init: midResult.checkpoint, ops });
    const rl = await runRl(rlCfg, ctx(6, 'rl'));
    const rewards = rl.metrics.map((m) => m.reward_mean);
    stage('rl', {
      checkpoint: rl.checkpoint,
      steps: rl.metrics.length,
      rewardFirst: rewards[0],
      rewardLast: rewards[rewards.length - 1],
    });

    log('[7/7] evaluating base, mid-trained and RL models (process-verified pass@k)');
    const evals: [string, EvalResults][] = [];
    for (const [name, ckpt] of [
      ['base', base.checkpoint],
      ['midtrain', midResult.checkpoint],
      ['rl', rl.checkpoint],
    ] as const) {
      const file = `eval-${name}.json`;
      const r =
        name === 'midtrain'
          ? calib
          : await runEval(
              { checkpoint: ckpt, settings: evalSettings, samples: samples(name) },
              ctx(7, file, `[7/7] ${name}`),
            );
      await finishEval(store, join(out, file), r);
      evals.push([name, r]);
      stage('eval', { model: name, checkpoint: ckpt, splits: r.aggregates.splits });
    }
    log('\n' + passTable(evals, evalSettings.n));
    stage('done', { out });
  },
};
