// `npm start`: the whole study loop at CPU scale, on the default adapter (or --adapter):
//   1. gpu:       kernels checked against the reference on the chosen adapter
//   2. pretrain:  the `mini` model from scratch on op 2-10 (data, tokenizer and eval sets built first),
//                 or, on a CPU adapter, the GPU-trained base in models/mini-base/ imported (--base, --from-scratch)
//   3. check:     the training data read back against its hashes; no evaluation problem in it (not for a base)
//   4. midtrain:  continued on 20% op 2-10 + 80% op 11-14
//   5. calibrate: per-op pass@k of the mid-trained model, and the RL range at its edge of competence
//   6. rl:        GRPO on that range
//   7. eval:      process-verified pass@k of the base, mid-trained and RL models by split
// with tables of held-out greedy accuracy and pass@k. The steps are one plan run by the study runner
// (docs/studies.md): a run that finished is skipped when `npm start` runs again, and one that was
// killed resumes from its run directory's checkpoints; results are JSON files under --out, and each
// evaluation's completions with their verdicts samples-NAME.jsonl beside them.
import { join } from 'node:path';
import { Gpu } from '../../../ts/gpu/index.js';
import type { EvalResults, EvalSettings } from '../../../ts/eval/index.js';
import { selfCheck } from '../../../ts/ops/selfcheck.js';
import { pooled, type HeldOut } from '../../../ts/train/heldout.js';
import { preset } from '../../../ts/config/presets.js';
import { tokensPerStep, type RunConfig } from '../../../ts/train/runconfig.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit, log } from '../../../ts/io/stdio.js';
import { expandRuns, runPlan, type Plan, type RunSpec, type Scale } from '../../../ts/study/index.js';
import { sha256Hex } from '../../../ts/util/hash.js';
import { stopOnSignals } from '../interrupt.js';
import type { Command } from '../options.js';

/** A pre-trained checkpoint to start from instead of pre-training: its folder and its weights' sha256. */
export interface StartBase {
  source: string;
  sha256: string;
}

/** Where `npm start` finds the committed GPU-trained base (models/mini-base/README.md says how it was made). */
export const DEFAULT_BASE = 'models/mini-base';

/**
 * The runs of `npm start`, written where the seven stages always wrote them. From a base, the base is
 * imported in place of pre-training, and its data was checked where it was made.
 */
export const startRuns = (base?: StartBase): RunSpec[] => [
  base
    ? { id: 'pretrain', kind: 'import', source: base.source, config: { model_sha256: base.sha256 }, at: 'base' }
    : { id: 'pretrain', kind: 'pretrain', at: 'pretrain' },
  ...(base ? [] : [{ id: 'check', kind: 'check', from: { data: 'pretrain' } } satisfies RunSpec]),
  { id: 'midtrain', kind: 'midtrain', from: { init: 'pretrain' }, at: 'midtrain' },
  {
    id: 'eval-midtrain',
    kind: 'eval',
    from: { checkpoint: 'midtrain' },
    at: 'eval-midtrain.json',
    samples: 'samples-midtrain.jsonl',
  },
  { id: 'calibrate', kind: 'calibrate', from: { eval: 'eval-midtrain' }, at: 'calibration.json' },
  // The study's edge range when calibration finds no op at the edge (a model that solves nothing yet).
  { id: 'rl', kind: 'rl', from: { init: 'midtrain', calibration: 'calibrate' }, config: { ops: [11, 14] }, at: 'rl' },
  {
    id: 'eval-base',
    kind: 'eval',
    from: { checkpoint: 'pretrain' },
    at: 'eval-base.json',
    samples: 'samples-base.jsonl',
  },
  { id: 'eval-rl', kind: 'eval', from: { checkpoint: 'rl' }, at: 'eval-rl.json', samples: 'samples-rl.jsonl' },
];

/**
 * The base `npm start` begins from: --base, else on a CPU adapter the committed base when there is
 * one (a GPU pre-trains in minutes; two CPU cores do not get enough tokens to learn); none with
 * --from-scratch.
 */
export async function chooseBase(
  store: NodeStore,
  o: { base?: string; fromScratch: boolean; adapterKind: string; fallback?: string },
): Promise<StartBase | undefined> {
  if (o.base !== undefined && o.fromScratch) throw new Error('give --base DIR or --from-scratch, not both');
  if (o.fromScratch) return undefined;
  const source = o.base ?? (o.adapterKind === 'gpu' ? undefined : (o.fallback ?? DEFAULT_BASE));
  if (source === undefined) return undefined;
  const model = await store.read(join(source, 'model.safetensors'));
  if (!model) {
    if (o.base === undefined) return undefined; // no committed base in this checkout: pre-train here
    throw new Error(`--base ${source}: no model.safetensors there; give a checkpoint directory`);
  }
  return { source, sha256: await sha256Hex(model) };
}

/** Each run's progress label and the line announcing its step. */
const STEPS: Record<string, { label: string; header?: string }> = {
  pretrain: { label: '[2/7]', header: '[2/7] pre-training mini on op 2-10' },
  check: { label: '[3/7]', header: '[3/7] checking the training data' },
  midtrain: { label: '[4/7]', header: '[4/7] mid-training on 20% op 2-10 + 80% op 11-14' },
  'eval-midtrain': { label: '[5/7] midtrain', header: '[5/7] calibrating the mid-trained model (pass@k per op)' },
  calibrate: { label: '[5/7]' },
  rl: { label: '[6/7]' }, // its header names the calibrated ops
  'eval-base': {
    label: '[7/7] base',
    header: '[7/7] evaluating base, mid-trained and RL models (process-verified pass@k)',
  },
  'eval-rl': { label: '[7/7] rl' },
};

/** A training preset with its token budget x scale, but one optimizer step at least (a stage takes no less). */
function scaledTokens(p: Record<string, unknown>, scale: number): Record<string, unknown> {
  const oneStep = tokensPerStep(p as object as RunConfig); // the mini presets set batch_size, seq_len, grad_accum
  return { ...p, tokens: Math.max(oneStep, Math.round((p.tokens as number) * scale)) };
}

/** The mini presets with the token budgets x scale and the RL steps x min(1, 4 x scale), each one step at least. */
function startScale(scale: number): Scale {
  const rl = preset('rl', 'mini-rl');
  return {
    pretrain: scaledTokens(preset('pretrain', 'mini-pretrain'), scale),
    midtrain: scaledTokens(preset('midtrain', 'mini-midtrain'), scale),
    rl: { ...rl, max_steps: Math.max(1, Math.round((rl.max_steps as number) * Math.min(1, scale * 4))) },
    eval: preset('eval', 'start'),
    cost: 'README',
  };
}

/** The runs of `npm start -- --scale SCALE [--base DIR]`. */
export const startPlan = (scale: number, base?: StartBase): Promise<Plan> =>
  expandRuns('start', startRuns(base), startScale(scale), { scale: String(scale) });

function table(rows: [string, HeldOut | undefined][]): string {
  const ops = [...new Set(rows.flatMap(([, h]) => Object.keys(h?.accuracy ?? {}).map(Number)))].sort((a, b) => a - b);
  const pct = (x: number | undefined) => (x === undefined ? '   -' : `${(100 * x).toFixed(0).padStart(3)}%`);
  const head = `${'greedy accuracy'.padEnd(18)}${ops.map((o) => `op${o}`.padStart(5)).join('')}`;
  const lines = rows.map(([name, h]) => `${name.padEnd(18)}${ops.map((o) => ' ' + pct(h?.accuracy[o])).join('')}`);
  const base = `${'majority answer'.padEnd(18)}${ops.map((o) => ' ' + pct(rows.map(([, h]) => h?.majority[o]).find((x) => x !== undefined))).join('')}`;
  return [head, ...lines, base].join('\n');
}

/** pass@1 and pass@n, outcome and process-verified, by split, one row per model. */
function passTable(evals: [string, Pick<EvalResults, 'aggregates'>][], n: number): string {
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
    base: {
      type: 'string',
      value: 'DIR',
      help: `start from this pre-trained checkpoint instead of pre-training (on a CPU adapter: ${DEFAULT_BASE} when it exists)`,
    },
    'from-scratch': { type: 'boolean', help: `pre-train here even on a CPU adapter with ${DEFAULT_BASE} present` },
    // 0.05 runs every stage with tiny budgets.
    scale: {
      type: 'number',
      default: 1,
      help: 'x the training token budgets, and x min(1, 4 x scale) the RL steps (one step each at least)',
    },
  },
  async run(args) {
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const scale = args.num('scale');
    if (!(scale > 0)) throw new Error(`--scale must be above 0, got ${scale}`);
    const t0 = performance.now();
    const stage = (name: string, row: object) =>
      emit({ stage: name, ...row, seconds: +((performance.now() - t0) / 1000).toFixed(1) });

    const store = new NodeStore();
    const stop = stopOnSignals();
    log('[1/7] GPU kernels on the chosen adapter');
    const gpu = await Gpu.create({ adapter });
    // The base is chosen before the self-check, so a wrong --base costs no more than opening the device.
    const base = await chooseBase(store, {
      base: args.optStr('base'),
      fromScratch: args.flag('from-scratch'),
      adapterKind: gpu.adapterKind,
    });
    stage('gpu', {
      adapter: gpu.adapterName,
      kind: gpu.adapterKind,
      ...(await selfCheck(gpu, terminalReporter('[1/7]').progress)),
    });
    // One device and one store for every run.
    const plan = await startPlan(scale, base);
    const evalSettings = plan.nodes.find((n) => n.id === 'eval-midtrain')!.config as object as EvalSettings;
    const results = new Map<string, Record<string, unknown>>();
    let rlOps = plan.nodes.find((n) => n.id === 'rl')!.config.ops as number[];
    const path = (rel: unknown) => join(out, rel as string);
    const trained = (r: Record<string, unknown>) => ({
      checkpoint: path(r.checkpoint),
      steps: r.steps,
      tokens: r.tokens,
      loss: r.finalLoss,
      heldOut: r.heldOut,
    });
    await runPlan(plan, {
      store,
      root: out,
      stop,
      gpu: async () => gpu,
      reporter: (node) => terminalReporter(STEPS[node.id].label, { rows: false }),
      onStart: (node) => {
        const header =
          node.id === 'rl'
            ? `[6/7] GRPO on ops ${rlOps[0]}-${rlOps[1]}`
            : node.kind === 'import'
              ? `[2/7] the pre-trained base from ${base!.source} (--from-scratch pre-trains here)\n` +
                '[3/7] no data check: the base was trained elsewhere, on data that is not here'
              : STEPS[node.id].header;
        if (header) log(header);
      },
      onDone: (node, rec) => {
        const r = rec.result;
        results.set(node.id, r);
        switch (node.id) {
          case 'pretrain': {
            if (node.kind === 'import') {
              stage('pretrain', { checkpoint: path(r.checkpoint), source: r.source, modelSha256: r.modelSha256 });
              break;
            }
            const easy = pooled(r.heldOut as HeldOut, [2, 3, 4]);
            stage('pretrain', { ...trained(r), op2to4: easy });
            log(
              `op 2-4 after pre-training: greedy accuracy ${(100 * easy.accuracy).toFixed(1)}% of ${easy.judged}, always the most frequent answer ${(100 * easy.majority).toFixed(1)}%: ${easy.ratio.toFixed(2)}x`,
            );
            break;
          }
          case 'check':
            stage('check', r);
            break;
          case 'midtrain':
            stage('midtrain', trained(r));
            log(
              '\n' +
                table([
                  ['after pretrain', results.get('pretrain')!.heldOut as HeldOut],
                  ['after midtrain', r.heldOut as HeldOut],
                ]) +
                '\n',
            );
            break;
          case 'calibrate': {
            // No op at the edge of competence (e.g. a model that solves nothing yet): the rl run's own range.
            const range = r.range as { from: number; to: number } | null;
            if (range) rlOps = [range.from, range.to];
            stage('calibrate', { range, reason: r.reason, rlOps });
            break;
          }
          case 'rl':
            stage('rl', {
              checkpoint: path(r.checkpoint),
              steps: r.steps,
              rewardFirst: r.rewardFirst,
              rewardLast: r.rewardLast,
            });
            break;
        }
      },
    });
    const evals: [string, Pick<EvalResults, 'aggregates'>][] = [];
    for (const [name, run] of [
      ['base', 'pretrain'],
      ['midtrain', 'midtrain'],
      ['rl', 'rl'],
    ]) {
      const r = results.get(`eval-${name}`) as object as Pick<EvalResults, 'aggregates'>;
      evals.push([name, r]);
      const { splits } = r.aggregates;
      stage('eval', { model: name, checkpoint: path(results.get(run)!.checkpoint), splits });
    }
    log('\n' + passTable(evals, evalSettings.n));
    stage('done', { out });
  },
};
