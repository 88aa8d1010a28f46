// How closely our generator's problems follow a reference set of genuine GSM-Infinite problems at
// each (mode, op): the total variation distance (TVD) between the two distributions of solution
// steps, answer bins, operator mix, share with arithmetic, problem sentences and distractors.
// Steps, answers and operator mix are gated (0.10 forward, 0.15 reverse: the reference has fewer
// reverse problems, so its own noise is larger). Reads only the text fields, so any generator's
// jsonl can be compared. Browser-safe: no node: imports.
import { generateMany, MODES, TEMPLATES, type Mode } from './generator.js';

/** The fields the comparison reads (a row of the genuine jsonl or of `data sample`). */
export interface ProblemText {
  op: number;
  mode: Mode;
  problem: string;
  solution: string;
}

export const LIMITS: Record<Mode, number> = { forward: 0.1, reverse: 0.15 };

/** The distributions compared, in table order; the first three are gated. */
export const MEASURES = ['steps', 'answers', 'opMix', 'arith', 'sentences', 'distractors'] as const;
export type Measure = (typeof MEASURES)[number];
export const GATED: readonly Measure[] = ['steps', 'answers', 'opMix'];

export interface FidelityRow {
  mode: Mode;
  op: number;
  nReference: number;
  nOurs: number;
  /** TVD per measure. */
  tvd: Record<Measure, number>;
  /** Share of solutions with any arithmetic, reference / ours. */
  arithShare: [number, number];
  meanAnswer: [number, number];
  /** Gated measures over the mode's limit (empty: within it). */
  drift: Measure[];
}

type Dist = Map<string, number>;

/** One problem reduced to what the distributions count. */
function features(p: ProblemText): Record<Exclude<Measure, 'opMix'>, string> & { ops: string[]; answer: number } {
  const m = /Answer: (-?\d+)\.?\s*$/.exec(p.solution);
  if (!m) throw new Error(`a ${p.mode} op ${p.op} solution has no "Answer: N." ending`);
  const answer = Number(m[1]);
  const defines = p.solution.split('Define ').slice(1);
  const items = defines.filter((d) => !d.startsWith('total number of ')).length;
  const sentences = p.problem.split('. ').length - 1;
  // reverse problems state the question's value in one extra sentence
  const distractors = sentences - items - (p.mode === 'reverse' ? 1 : 0);
  const ops = operators(p.solution);
  return {
    steps: String(defines.length),
    answers: answerBin(answer),
    arith: ops.length > 0 ? 'yes' : 'no',
    sentences: String(sentences),
    distractors: String(distractors),
    ops,
    answer,
  };
}

/** Operators written between the letters of each assignment ("so V = P + Q = 3 + 4 = 7": one +). */
function operators(solution: string): string[] {
  const out: string[] = [];
  for (const clause of solution.split(/[;.] /)) {
    const lhs = clause.split('=')[1];
    if (lhs !== undefined) for (const m of lhs.matchAll(/(?<=\s)[+*-](?=\s)/g)) out.push(m[0]);
  }
  return out;
}

function answerBin(a: number): string {
  if (a <= 4) return String(a);
  return a <= 8 ? '5-8' : a <= 16 ? '9-16' : a <= 64 ? '17-64' : '>64';
}

function dist(values: Iterable<string>): Dist {
  const d: Dist = new Map();
  let n = 0;
  for (const v of values) {
    d.set(v, (d.get(v) ?? 0) + 1);
    n++;
  }
  for (const [k, c] of d) d.set(k, c / n);
  return d;
}

export function tvd(p: Dist, q: Dist): number {
  let s = 0;
  for (const k of new Set([...p.keys(), ...q.keys()])) s += Math.abs((p.get(k) ?? 0) - (q.get(k) ?? 0));
  return s / 2;
}

function groupByCell(rows: ProblemText[]): Map<string, ProblemText[]> {
  const cells = new Map<string, ProblemText[]>();
  for (const r of rows) {
    const key = `${r.mode} ${r.op}`;
    const cell = cells.get(key);
    if (cell) cell.push(r);
    else cells.set(key, [r]);
  }
  return cells;
}

/** One row per (mode, op) of the reference that ours also has, forward first, by op. */
export function compare(reference: ProblemText[], ours: ProblemText[]): FidelityRow[] {
  const ref = groupByCell(reference);
  const our = groupByCell(ours);
  const rows: FidelityRow[] = [];
  for (const mode of MODES)
    for (const op of [...new Set(reference.filter((r) => r.mode === mode).map((r) => r.op))].sort((a, b) => a - b)) {
      const g = ref.get(`${mode} ${op}`)!.map(features);
      const o = our.get(`${mode} ${op}`)?.map(features);
      if (!o?.length) continue;
      const t = {} as Record<Measure, number>;
      for (const m of MEASURES)
        t[m] =
          m === 'opMix'
            ? tvd(dist(g.flatMap((f) => f.ops)), dist(o.flatMap((f) => f.ops)))
            : tvd(dist(g.map((f) => f[m])), dist(o.map((f) => f[m])));
      const share = (fs: typeof g) => fs.filter((f) => f.arith === 'yes').length / fs.length;
      const mean = (fs: typeof g) => fs.reduce((s, f) => s + f.answer, 0) / fs.length;
      rows.push({
        mode,
        op,
        nReference: g.length,
        nOurs: o.length,
        tvd: t,
        arithShare: [share(g), share(o)],
        meanAnswer: [mean(g), mean(o)],
        drift: GATED.filter((m) => t[m] > LIMITS[mode]),
      });
    }
  return rows;
}

/** Parses reference jsonl text; a row without the fields the comparison needs is an error. */
export function parseReference(text: string, source = 'reference'): ProblemText[] {
  const rows: ProblemText[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: Partial<Omit<ProblemText, 'mode'>> & { mode?: string };
    try {
      r = JSON.parse(line);
    } catch {
      throw new Error(`${source} line ${i + 1} is not valid JSON`);
    }
    if (!Number.isInteger(r.op) || typeof r.problem !== 'string' || typeof r.solution !== 'string')
      throw new Error(`${source} line ${i + 1} needs integer op and string problem and solution`);
    // the genuine generator also calls forward mode "normalforward"
    const mode: Mode =
      r.mode === undefined || r.mode === 'forward' || r.mode === 'normalforward' ? 'forward' : 'reverse';
    rows.push({ op: r.op!, mode, problem: r.problem, solution: r.solution });
  });
  if (!rows.length) throw new Error(`${source} has no problems`);
  return rows;
}

/** perOp of our problems for each (mode, op) the reference has, spread evenly over the templates. */
export async function ourProblems(reference: ProblemText[], perOp: number, seed: number): Promise<ProblemText[]> {
  const out: ProblemText[] = [];
  const cells = [...groupByCell(reference).values()].map((rs) => rs[0]);
  for (const { mode, op } of cells)
    for (let t = 0; t < TEMPLATES.length; t++) {
      const count = Math.floor(perOp / TEMPLATES.length) + (t < perOp % TEMPLATES.length ? 1 : 0);
      out.push(...(await generateMany({ seed, op, template: TEMPLATES[t], mode, count })));
    }
  return out;
}

/** The human-readable table: one line per (mode, op), then a summary line. */
export function formatTable(rows: FidelityRow[]): string {
  const head =
    'mode     op  nRef  nOurs   steps answers  opmix |  arith sentences distractors | arith% ref/ours  mean answer ref/ours  verdict';
  const lines = rows.map((r) => {
    const t = r.tvd;
    const f = (x: number, w: number) => x.toFixed(2).padStart(w);
    return (
      `${r.mode.padEnd(8)}${String(r.op).padStart(3)} ${String(r.nReference).padStart(5)} ${String(r.nOurs).padStart(6)}  ` +
      `${f(t.steps, 6)} ${f(t.answers, 7)} ${f(t.opMix, 6)} | ${f(t.arith, 6)} ${f(t.sentences, 9)} ${f(t.distractors, 11)} | ` +
      `${(r.arithShare[0] * 100).toFixed(0).padStart(6)}/${(r.arithShare[1] * 100).toFixed(0).padEnd(8)} ` +
      `${r.meanAnswer[0].toFixed(1).padStart(9)}/${r.meanAnswer[1].toFixed(1).padEnd(11)} ` +
      (r.drift.length ? `DRIFT: ${r.drift.join(', ')}` : 'ok')
    );
  });
  const gated = rows.length * GATED.length;
  const bad = rows.reduce((s, r) => s + r.drift.length, 0);
  const summary =
    `${bad} of ${gated} gated distributions (steps, answers, operator mix) differ by more than TVD ` +
    `${LIMITS.forward} (forward) / ${LIMITS.reverse} (reverse)`;
  return [head, ...lines, summary].join('\n');
}
