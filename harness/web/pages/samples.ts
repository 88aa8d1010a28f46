// Samples: for a problem of an evaluation's samples file (eval --samples), its prompt, every sampled
// output with its verdicts, and for the chosen output the verifier's per-step verdict and the gold
// and output dependency graphs side by side, mismatched nodes marked. The URL holds the choice
// (?file=N&problem=ID&sample=S), so a view can be linked.
import { verdictGraphs } from '../../../ts/data/verdict-graph.js';
import type { SampleRecord } from '../../../ts/eval/samples.js';
import { drawGraph } from '../common/dag.js';
import { fetchJsonl, loadManifest } from '../common/data.js';
import { runPage, showError } from '../common/error.js';
import { mountNav } from '../common/nav.js';

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};
const tick = (ok: boolean) => el('span', ok ? '✓' : '✗', ok ? 'ok' : 'bad');
const MARKS = ['value', 'dependency', 'missing', 'extra'] as const;

function row(cells: (string | Node)[], head = false): HTMLTableRowElement {
  const tr = el('tr');
  for (const c of cells) {
    const td = el(head ? 'th' : 'td');
    td.append(c);
    tr.append(td);
  }
  return tr;
}

function table(head: string[], rows: HTMLTableRowElement[]): HTMLTableElement {
  const t = el('table');
  t.createTHead().append(row(head, true));
  t.createTBody().append(...rows);
  return t;
}

/** The chosen output: its text, the per-step verdict and both graphs. */
function verdictView(r: SampleRecord): HTMLElement {
  const box = el('section');
  box.id = 'verdict';
  box.append(el('h2', `Sample ${r.sample + 1}`));
  if (r.status !== 'ok')
    box.append(el('p', `The verifier could not judge it (${r.status}): ${r.message ?? ''}`, 'bad'));
  const a = r.answer;
  const answer = el('p');
  answer.append(
    `answer ${a.got ?? 'none'} (expected ${a.expected ?? '?'}) `,
    tick(a.correct),
    ` · every step right: `,
    tick(r.processCorrect),
  );
  box.append(answer);

  const legend = el('p', 'Dependency graphs, a step below what it reads; marks: ');
  for (const m of MARKS) legend.append(el('span', m, `mark ${m}`));
  const graphs = verdictGraphs(r);
  const side = el('div', undefined, 'grid');
  for (const [name, g] of [
    ['gold', graphs.gold],
    ['output', graphs.output],
  ] as const) {
    const fig = el('figure');
    fig.dataset.graph = name;
    fig.append(el('figcaption', name === 'gold' ? 'gold solution' : 'model output'), drawGraph(g, `${name} graph`));
    side.append(fig);
  }
  box.append(legend, side, el('h3', 'Output'), el('pre', r.text));

  const steps = r.nodes.map((n) =>
    row([
      n.name,
      n.letter ?? '',
      n.expected.value ?? '?',
      n.got ? (n.got.value ?? 'unreadable') : '',
      n.expected.dependsOn.join('; '),
      n.got ? n.got.dependsOn.join('; ') : '',
      n.fine ? tick(true) : n.why.join(' '),
    ]),
  );
  box.append(
    el('h3', 'Per-step verdict'),
    table(['parameter', 'letter', 'gold value', 'output value', 'gold reads', 'output reads', 'verdict'], steps),
  );
  if (r.extras.length)
    box.append(
      el('h3', 'Extra steps'),
      table(
        ['parameter', 'letter', 'kind', 'why'],
        r.extras.map((e) => row([e.name, e.letter ?? '', e.kind, e.why])),
      ),
    );
  return box;
}

/** A problem: its prompt, the table of its samples, and the chosen one's verdict. */
function problemView(records: SampleRecord[], chosen: number, choose: (s: number) => void): HTMLElement {
  const box = el('div');
  const first = records[0];
  box.append(el('h2', `Problem ${first.id}: op ${first.op}, ${first.template.replace(/_/g, ' ')}, ${first.mode}`));
  const prompt = records.find((r) => r.prompt !== undefined)?.prompt;
  box.append(el('pre', prompt ?? '(the prompt is on a line this file lacks)'));
  const rows = records.map((r) => {
    const tr = row([
      String(r.sample + 1),
      String(r.answer.got ?? '—'),
      tick(r.outcome === 1),
      tick(r.processCorrect),
      MARKS.filter((m) => countOf(r, m))
        .map((m) => `${m} ${countOf(r, m)}`)
        .join(', ') || 'none',
      r.text.length > 60 ? `${r.text.slice(0, 60)}…` : r.text,
    ]);
    tr.dataset.sample = String(r.sample);
    if (r.sample === chosen) tr.className = 'selected';
    tr.addEventListener('click', () => choose(r.sample));
    return tr;
  });
  box.append(table(['#', 'answer', 'right answer', 'right process', 'mismatches', 'output'], rows));
  const r = records.find((x) => x.sample === chosen) ?? first;
  box.append(verdictView(r));
  return box;
}

function countOf(r: SampleRecord, m: (typeof MARKS)[number]): number {
  const c = r.counts;
  return { value: c.valueMismatches, dependency: c.dependencyMismatches, missing: c.missing, extra: c.extra }[m];
}

mountNav('samples');
runPage(async () => {
  const main = document.getElementById('main')!;
  main.append(el('h1', 'Samples'));
  const files = (await loadManifest()).data.filter((d) => d.kind === 'samples');
  if (!files.length) {
    main.append(
      el('p', 'This site carries no samples: evaluate with eval --samples FILE, then build it with that folder.'),
    );
    return;
  }
  const params = new URLSearchParams(location.search);
  const controls = el('p');
  const fileSelect = el('select');
  fileSelect.id = 'file';
  files.forEach((f, i) => fileSelect.append(new Option(f.name, String(i))));
  fileSelect.value = String(Math.min(Number(params.get('file') ?? 0) || 0, files.length - 1));
  const problemSelect = el('select');
  problemSelect.id = 'problem';
  const fileLabel = el('label', 'samples ');
  fileLabel.append(fileSelect);
  const problemLabel = el('label', 'problem ');
  problemLabel.append(problemSelect);
  controls.append(fileLabel, problemLabel);
  const view = el('div');
  main.append(controls, view);

  let byProblem = new Map<string, SampleRecord[]>();
  const show = (id: string, sample: number) => {
    const records = byProblem.get(id);
    if (!records) return;
    problemSelect.value = id;
    history.replaceState(null, '', `?file=${fileSelect.value}&problem=${id}&sample=${sample}`);
    view.replaceChildren(problemView(records, sample, (s) => show(id, s)));
  };
  const load = async (problem: string | null, sample: number) => {
    const rows = await fetchJsonl<SampleRecord | { format: string }>(files[Number(fileSelect.value)].file);
    byProblem = new Map();
    for (const r of rows) {
      if (!('id' in r)) continue; // the header
      const list = byProblem.get(r.id) ?? [];
      list.push(r);
      byProblem.set(r.id, list);
    }
    problemSelect.replaceChildren(
      ...[...byProblem].map(([id, rs]) => {
        const right = rs.filter((r) => r.outcome).length,
          proc = rs.filter((r) => r.processCorrect).length;
        const t = `op ${rs[0].op} · ${rs[0].template} · ${id} · answer ${right}/${rs.length}, process ${proc}/${rs.length}`;
        return new Option(t, id);
      }),
    );
    const id = problem && byProblem.has(problem) ? problem : [...byProblem.keys()][0];
    if (id) show(id, sample);
    else view.replaceChildren(el('p', 'This samples file has no completions yet.'));
  };
  fileSelect.addEventListener('change', () => load(null, 0).catch((e: Error) => showError(e.message)));
  problemSelect.addEventListener('change', () => show(problemSelect.value, 0));
  await load(params.get('problem'), Number(params.get('sample') ?? 0) || 0);
});
