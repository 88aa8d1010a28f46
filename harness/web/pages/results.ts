// Results: pass@k curves (k = 1..n, log scale) by split, op or template, answer-only and
// process-verified side by side, one line per results file (base / mid-trained / RL ...); the rate of
// right answers with a wrong process (reward hacking) by op; and the training curves of every
// metrics.jsonl the site carries. pass@k is re-aggregated from the per-problem counts by the CLI's
// own code (ts/eval/evaluate.ts), so every k up to n is exact.
import * as Plot from '@observablehq/plot';
import { aggregate, SPLITS, type GroupStats } from '../../../ts/eval/aggregate.js';
import type { EvalResults } from '../../../ts/eval/run.js';
import { fetchJson, fetchJsonl, loadManifest, type DataEntry } from '../common/data.js';
import { runPage } from '../common/error.js';
import { mountNav } from '../common/nav.js';

type GroupBy = 'split' | 'op' | 'template' | 'all';
const METRICS = { outcome: 'answer only', process: 'process-verified' } as const;
// Training curves, in this order, for whichever columns the metrics files have.
const TRAINING_COLUMNS: Record<string, string> = {
  loss: 'loss',
  eval_loss: 'held-out loss',
  lr: 'learning rate',
  reward_mean: 'reward (mean)',
  kl: 'KL to the reference',
  entropy: 'entropy',
  clip_frac_low: 'clip fraction (low)',
  clip_frac_high: 'clip fraction (high)',
  dual_clip_frac: 'dual-clip fraction',
  reward_hacking_rate: 'right answer, wrong process',
  grad_norm: 'gradient norm',
};

interface Loaded {
  name: string;
  results: EvalResults;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  return e;
};

/** A results file's groups, re-aggregated for k = 1..n (n: the fewest samples of its problems). */
function groups(r: EvalResults, by: GroupBy): { ks: number[]; groups: Record<string, GroupStats> } {
  const n = Math.min(...r.problems.map((p) => p.n));
  const ks = Array.from({ length: n }, (_, i) => i + 1);
  const a = aggregate(r.problems, ks);
  const g = { split: a.splits, op: a.ops, template: a.templates, all: { all: a.all } }[by];
  return { ks, groups: g };
}

/** Group names in reading order: splits as SPEC orders them, ops by number, templates by name. */
function order(by: GroupBy, names: Set<string>): string[] {
  if (by === 'split') return SPLITS.map((s) => s.name).filter((s) => names.has(s));
  return [...names].sort(by === 'op' ? (a, b) => Number(a) - Number(b) : undefined);
}

function passAtKFigures(files: Loaded[], by: GroupBy): HTMLElement {
  const rows = files.flatMap(({ name, results }) => {
    const { ks, groups: gs } = groups(results, by);
    return Object.entries(gs).flatMap(([group, g]) =>
      ks.flatMap((k) =>
        (Object.keys(METRICS) as (keyof typeof METRICS)[]).map((m) => ({
          file: name,
          group,
          k,
          metric: METRICS[m],
          pass: (m === 'outcome' ? g.passOutcome : g.passProcess)[k],
        })),
      ),
    );
  });
  const box = el('div');
  box.className = 'grid';
  const files_ = files.map((f) => f.name);
  for (const group of order(by, new Set(rows.map((r) => r.group)))) {
    const data = rows.filter((r) => r.group === group);
    const fig = el('figure');
    fig.className = 'passk';
    fig.dataset.group = group;
    fig.append(el('figcaption', by === 'all' ? 'all problems' : `${by} ${group}`));
    fig.append(
      Plot.plot({
        width: 520,
        height: 240,
        marginRight: 20,
        x: { type: 'log', base: 2, label: 'k', ticks: [...new Set(data.map((d) => d.k))], tickFormat: 'd' },
        y: { domain: [0, 1], label: 'pass@k', grid: true },
        fx: { label: null, domain: Object.values(METRICS) },
        color: { domain: files_, legend: true },
        marks: [
          Plot.lineY(data, { x: 'k', y: 'pass', fx: 'metric', stroke: 'file' }),
          Plot.dot(data, { x: 'k', y: 'pass', fx: 'metric', fill: 'file', r: 2.5, tip: true }),
        ],
      }),
    );
    box.append(fig);
  }
  return box;
}

function hackingFigure(files: Loaded[]): HTMLElement {
  const rows = files.flatMap(({ name, results }) =>
    Object.entries(groups(results, 'op').groups).map(([op, g]) => ({
      file: name,
      op: Number(op),
      rate: g.rightAnswerWrongProcess,
    })),
  );
  const fig = el('figure');
  fig.id = 'hacking-plot';
  fig.append(el('figcaption', 'right answer, wrong process (share of samples), by op'));
  fig.append(
    Plot.plot({
      width: 1000,
      height: 220,
      marginLeft: 50,
      x: { axis: null, domain: files.map((f) => f.name) },
      fx: { label: 'op' },
      // Rates are small: the axis reaches 5% at least, so no rate at all reads as zero.
      y: { label: 'rate', grid: true, domain: [0, Math.max(0.05, ...rows.map((r) => r.rate))], tickFormat: '%' },
      color: { domain: files.map((f) => f.name), legend: true },
      marks: [Plot.barY(rows, { fx: 'op', x: 'file', y: 'rate', fill: 'file', tip: true }), Plot.ruleY([0])],
    }),
  );
  return fig;
}

async function trainingFigures(entries: DataEntry[]): Promise<HTMLElement> {
  const runs = await Promise.all(
    entries.map(async (e) => ({ name: e.name, rows: await fetchJsonl<Record<string, unknown>>(e.file) })),
  );
  const box = el('div');
  box.className = 'grid';
  for (const [col, label] of Object.entries(TRAINING_COLUMNS)) {
    const data = runs.flatMap(({ name, rows }) =>
      rows
        .filter((r) => typeof r[col] === 'number' && Number.isFinite(r[col]) && typeof r.step === 'number')
        .map((r) => ({ run: name, step: r.step as number, value: r[col] as number })),
    );
    if (!data.length) continue;
    const fig = el('figure');
    fig.className = 'training';
    fig.dataset.column = col;
    fig.append(el('figcaption', label));
    fig.append(
      Plot.plot({
        width: 420,
        height: 200,
        marginLeft: 60,
        x: { label: 'step' },
        y: { label: null, grid: true },
        color: { domain: runs.map((r) => r.name), legend: true },
        marks: [
          Plot.lineY(data, { x: 'step', y: 'value', stroke: 'run' }),
          Plot.dot(data, { x: 'step', y: 'value', fill: 'run', r: 1.5, tip: true }),
        ],
      }),
    );
    box.append(fig);
  }
  if (!box.childElementCount) box.append(el('p', 'The metrics files have no training columns.'));
  return box;
}

function section(main: HTMLElement, id: string, title: string, note?: string): HTMLElement {
  const s = el('section');
  s.id = id;
  s.append(el('h2', title));
  if (note) {
    const p = el('p', note);
    p.className = 'note';
    s.append(p);
  }
  main.append(s);
  return s;
}

mountNav('results');
runPage(async () => {
  const main = document.getElementById('main')!;
  main.append(el('h1', 'Results'));
  const manifest = await loadManifest();
  const evals = manifest.data.filter((d) => d.kind === 'eval');
  const metrics = manifest.data.filter((d) => d.kind === 'metrics');
  if (!evals.length && !metrics.length) {
    main.append(el('p', 'This site carries no results: build it with npm run site -- --results DIR --out site/.'));
    return;
  }
  const files: Loaded[] = await Promise.all(
    evals.map(async (e) => ({ name: e.name, results: await fetchJson<EvalResults>(e.file) })),
  );
  if (files.length) {
    const passk = section(
      main,
      'passk',
      'pass@k',
      'The unbiased estimate over n samples per problem, mean over problems; answer only (left) and ' +
        'process-verified (right: the right answer and every step right).',
    );
    const controls = el('p');
    const label = el('label', 'by ');
    const select = el('select');
    select.id = 'group-by';
    for (const g of ['split', 'op', 'template', 'all']) select.append(new Option(g, g));
    label.append(select);
    controls.append(label);
    const shown = el('div');
    const draw = () => shown.replaceChildren(passAtKFigures(files, select.value as GroupBy));
    select.addEventListener('change', draw);
    passk.append(controls, shown);
    draw();
    section(main, 'hacking', 'Reward hacking').append(hackingFigure(files));
  }
  if (metrics.length) section(main, 'training', 'Training').append(await trainingFigures(metrics));
});
