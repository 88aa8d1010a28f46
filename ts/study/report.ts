// A study's report from its evaluations' done.json records: a table (one row per evaluated model,
// the study's groups x metrics), the study's reported numbers beside it, and figures (pass@k curves
// per group, each metric against the rows' x, the hacking rate by model), as JSON, markdown and SVG.
import type { GroupStats } from '../eval/evaluate.js';
import type { DoneRecord } from './execute.js';
import type { Metric, Plan, StudyDef } from './plan.js';
import { lineChart, type Series } from './svg.js';

export interface ReportRow {
  id: string;
  row: string;
  series?: string;
  x?: string;
  /** group -> metric -> value (null: the evaluation has no such group). */
  values: Record<string, Record<string, number | null>>;
  /** group -> pass@k (answer) for each k of `ks`. */
  curves: Record<string, (number | null)[]>;
}

export interface StudyReport {
  format: 'reasoning-engine-study-report/1';
  study: string;
  title: string;
  finding: string;
  scale: string;
  seeds: number;
  reported: StudyDef['reported'];
  groups: string[];
  metrics: Metric[];
  /** Samples per problem: pass@n's n. */
  n: number;
  ks: number[];
  xTitle?: string;
  rows: ReportRow[];
}

const METRIC: Record<Metric, (g: GroupStats, n: number) => number | undefined> = {
  'pass@1': (g) => g.passOutcome['1'],
  'pass@n': (g, n) => g.passOutcome[String(n)],
  'strict pass@1': (g) => g.passProcess['1'],
  'strict pass@n': (g, n) => g.passProcess[String(n)],
  hacking: (g) => g.rightAnswerWrongProcess,
};

interface EvalSummary {
  ks: number[];
  aggregates: { all: GroupStats; splits: Record<string, GroupStats> };
}

/** The report of a finished plan (every evaluation with a label has its record). */
export function buildReport(study: StudyDef, plan: Plan, records: Map<string, DoneRecord>): StudyReport {
  const evals = plan.nodes.filter((n) => n.kind === 'eval' && n.label);
  const n = Math.max(...evals.map((e) => e.config.n as number));
  const ks = [...new Set(evals.flatMap((e) => (records.get(e.key)?.result as EvalSummary | undefined)?.ks ?? []))].sort(
    (a, b) => a - b,
  );
  const { groups, metrics } = study.report;
  const rows = evals.map((e): ReportRow => {
    const r = records.get(e.key)?.result as EvalSummary | undefined;
    if (!r) throw new Error(`report: evaluation ${e.id} (${e.dir}) has not finished`);
    const group = (g: string) => (g === 'all' ? r.aggregates.all : r.aggregates.splits[g]);
    const values = Object.fromEntries(
      groups.map((g) => [
        g,
        Object.fromEntries(metrics.map((m) => [m, (group(g) && METRIC[m](group(g)!, e.config.n as number)) ?? null])),
      ]),
    );
    const curves = Object.fromEntries(groups.map((g) => [g, ks.map((k) => group(g)?.passOutcome[String(k)] ?? null)]));
    const label = e.label!;
    return { id: e.id, row: seeded(label.row, e.id), series: label.series, x: label.x, values, curves };
  });
  return {
    format: 'reasoning-engine-study-report/1',
    study: study.name,
    title: study.title,
    finding: study.finding,
    scale: plan.scale,
    seeds: plan.seeds,
    reported: study.reported,
    groups,
    metrics,
    n,
    ks,
    ...(study.report.x ? { xTitle: study.report.x } : {}),
    rows,
  };
}

/** A replica's row names its seed (ids end in '@seed' when a study runs several). */
const seeded = (row: string, id: string) => (id.includes('@') ? `${row} (seed ${id.split('@')[1]})` : row);

const metricName = (m: Metric, n: number) => m.replace('@n', `@${n}`);
const pct = (v: number | null) => (v === null ? '' : (100 * v).toFixed(1));

export function reportMarkdown(r: StudyReport, figures: string[]): string {
  const head = ['model', ...r.groups.flatMap((g) => r.metrics.map((m) => `${g} ${metricName(m, r.n)}`))];
  const lines = [
    `# Study ${r.study}: ${r.title}`,
    '',
    `Scale ${r.scale}${r.seeds > 1 ? `, ${r.seeds} seeds` : ''}; values in %; n = ${r.n} samples per problem.`,
    '',
    `**The study's finding (SPEC §7).** ${r.finding}`,
    '',
    `| ${head.join(' | ')} |`,
    `|${head.map(() => '---').join('|')}|`,
    ...r.rows.map(
      (row) => `| ${[row.row, ...r.groups.flatMap((g) => r.metrics.map((m) => pct(row.values[g][m])))].join(' | ')} |`,
    ),
    '',
    '**Reported by the study**',
    '',
    '| claim | reported |',
    '|---|---|',
    ...r.reported.map((x) => `| ${x.claim} | ${x.value ?? ''} |`),
    '',
    ...figures.map((f) => `![${f}](${f})`),
    '',
  ];
  return lines.join('\n');
}

/** File name -> SVG text. */
export function reportFigures(r: StudyReport): Record<string, string> {
  const figs: Record<string, string> = {};
  const name = (s: string) => s.replace(/[^A-Za-z0-9]+/g, '-').toLowerCase();
  for (const g of r.groups) {
    figs[`passk-${name(g)}.svg`] = lineChart({
      title: `${r.study}: pass@k on ${g}`,
      xTitle: 'k',
      yTitle: 'pass@k',
      x: r.ks.map(String),
      series: r.rows.map((row) => ({ name: row.row, values: row.curves[g] })),
    });
  }
  // Each metric against x (B's share, β): one line per series, or the hacking rate by model.
  const against = r.xTitle ? r.metrics : r.metrics.filter((m) => m === 'hacking');
  for (const m of against)
    for (const g of r.groups) {
      const xs = r.xTitle ? [...new Set(r.rows.map((row) => row.x ?? row.row))] : r.rows.map((row) => row.row);
      const seriesNames = [...new Set(r.rows.map((row) => row.series ?? metricName(m, r.n)))];
      const series: Series[] = seriesNames.map((s) => ({
        name: s,
        values: xs.map((x) => {
          const row = r.rows.find((row) => (row.series ?? metricName(m, r.n)) === s && (row.x ?? row.row) === x);
          return row ? row.values[g][m] : null;
        }),
      }));
      figs[`${name(metricName(m, r.n))}-${name(g)}.svg`] = lineChart({
        title: `${r.study}: ${metricName(m, r.n)} on ${g}`,
        xTitle: r.xTitle ?? 'model',
        yTitle: m === 'hacking' ? 'right answer, wrong process' : metricName(m, r.n),
        x: xs,
        series,
      });
    }
  return figs;
}
