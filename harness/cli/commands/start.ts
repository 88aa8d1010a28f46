// `npm start`: the whole job as far as the engine goes, on the default adapter:
//   1. gpu:      kernels checked against the reference on the chosen adapter
//   2. pretrain: the `mini` model from scratch on op 2-10 (data, tokenizer and eval sets built first)
//   3. check:    the training data read back against its hashes; no evaluation problem in it
//   4. midtrain: continued on 20% op 2-10 + 80% op 11-14
// and a table of held-out greedy accuracy per op after each stage. RL and pass@k evaluation join
// here as they land. Each stage resumes if its run directory already holds checkpoints.
import { join } from 'node:path';
import { checkDataset } from '../../../ts/data/build.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { selfCheck } from '../../../ts/gpu/selfcheck.js';
import { Model } from '../../../ts/model/model.js';
import type { HeldOut } from '../../../ts/train/heldout.js';
import { RUN_PRESETS } from '../../../ts/train/presets.js';
import { validateRunConfig } from '../../../ts/train/runconfig.js';
import { runStage } from '../../../ts/train/stage.js';
import { emit, log } from '../../../ts/util/jsonl.js';
import type { Command } from './types.js';

function table(rows: [string, HeldOut | undefined][]): string {
  const ops = [...new Set(rows.flatMap(([, h]) => Object.keys(h?.accuracy ?? {}).map(Number)))].sort((a, b) => a - b);
  const pct = (x: number | undefined) => (x === undefined ? '   -' : `${(100 * x).toFixed(0).padStart(3)}%`);
  const head = `${'greedy accuracy'.padEnd(18)}${ops.map((o) => `op${o}`.padStart(5)).join('')}`;
  const lines = rows.map(([name, h]) => `${name.padEnd(18)}${ops.map((o) => ' ' + pct(h?.accuracy[o])).join('')}`);
  const base = `${'majority answer'.padEnd(18)}${ops.map((o) => ' ' + pct(rows.map(([, h]) => h?.majority[o]).find((x) => x !== undefined))).join('')}`;
  return [head, ...lines, base].join('\n');
}

export const start: Command = {
  summary: 'the end-to-end job: GPU check -> pre-train mini (op 2-10) -> mid-train (op 11-14) with held-out accuracy [--out runs/start] [--adapter A] [--scale F]',
  async run(args) {
    const out = args.str('out', 'runs/start');
    const adapter = args.optStr('adapter');
    // --scale shrinks or grows both stages' token budgets (e.g. 0.1 for a quick look).
    const scale = args.num('scale', 1);
    args.checkAllUsed();
    const t0 = performance.now();
    const stage = (name: string, row: object) => emit({ stage: name, ...row, seconds: +((performance.now() - t0) / 1000).toFixed(1) });

    log('[1/4] GPU kernels on the chosen adapter');
    const gpu = await Gpu.create({ adapter });
    stage('gpu', { adapter: gpu.adapterName, kind: gpu.adapterKind, ...(await selfCheck(gpu)) });
    const factory = Model.factory(gpu);

    log('[2/4] pre-training mini on op 2-10');
    const pre = validateRunConfig({ ...RUN_PRESETS['mini-pretrain'], tokens: Math.round(RUN_PRESETS['mini-pretrain'].tokens * scale) });
    const base = await runStage(pre, join(out, 'pretrain'), factory, () => {});
    stage('pretrain', { checkpoint: base.checkpoint, steps: base.steps, tokens: base.tokens, loss: base.finalLoss, heldOut: base.heldOut });

    log('[3/4] checking the training data');
    const check = await checkDataset(join(out, 'pretrain', 'data'));
    if (check.evalInTraining > 0) throw new Error(`${check.evalInTraining} training documents are evaluation problems`);
    stage('check', { ...check });

    log('[4/4] mid-training on 20% op 2-10 + 80% op 11-14');
    const mid = validateRunConfig({ ...RUN_PRESETS['mini-midtrain'], tokens: Math.round(RUN_PRESETS['mini-midtrain'].tokens * scale), init: base.checkpoint });
    const midResult = await runStage(mid, join(out, 'midtrain'), factory, () => {});
    stage('midtrain', { checkpoint: midResult.checkpoint, steps: midResult.steps, tokens: midResult.tokens, loss: midResult.finalLoss, heldOut: midResult.heldOut });

    log('\n' + table([['after pretrain', base.heldOut], ['after midtrain', midResult.heldOut]]));
    stage('done', { out });
  },
};
