// `repro compare` for protocol fingerprints: are two runs the same bytes over the whole protocol, and
// if not, the first step and the first tensor where they part, how far the chosen tensors drift
// apart checkpoint by checkpoint (does the gap grow?), whether the evaluations reach the same
// counts, and whether the engine build or only the adapter differs.
import { distance } from './distance.js';
import {
  bitsFloat,
  FINGERPRINT_FORMAT,
  type CheckpointRecord,
  type EvalOpRecord,
  type ProtocolFingerprint,
  type SampleRecord,
  type StageName,
  type StepRecord,
} from './protocol.js';
import { adapterDifferences, engineDifferences } from './compare.js';

/** Where two runs first part: the event (in protocol order) and what in it differs. */
export interface Divergence {
  stage: StageName;
  step: number;
  what: 'samples' | 'train' | 'heldout' | 'checkpoint' | 'eval';
  /** The metrics, tensors or sampled positions that differ there. */
  detail: string[];
}

/** Distance of one chosen tensor's raw values at one checkpoint. */
export interface TensorDrift {
  tensor: string;
  stage: StageName;
  step: number;
  maxUlp: number;
  maxRelError: number;
}

export interface ProtocolComparison {
  format: 'reasoning-engine-protocol-comparison/1';
  identical: boolean;
  labels: [string, string];
  adapters: [string, string];
  protocolDiffers: boolean;
  engineDiffers: string[];
  /** The adapter fields that differ (adapterDifferences). */
  adapterDiffers: string[];
  /** The first event whose content differs, in the order the protocol runs them. */
  firstDivergence: Divergence | null;
  /** The first checkpoint that differs and its differing tensors (layout order; params, m or v). */
  firstTensor: { stage: StageName; step: number; tensors: string[] } | null;
  /** Events compared, and those that differ. */
  events: number;
  differing: number;
  /** Events one fingerprint has and the other has not (a different protocol or a run cut short). */
  onlyIn: [string[], string[]];
  drift: TensorDrift[];
  /** Per-step relative difference of each training metric that differs. */
  metricDrift: { stage: StageName; step: number; metric: string; a: number; b: number; relative: number }[];
  evalAgrees: boolean;
  eval: { op: number; a: EvalOpRecord | null; b: EvalOpRecord | null }[];
}

interface Event {
  key: string;
  stage: StageName;
  step: number;
  what: keyof typeof ORDER;
  /** The event's content, for equality. */
  content: string;
  record: unknown;
  /** What differs from the same event of the other run (`other`: its record, of the same kind). */
  diff(other: unknown): string[];
}

const STAGES: StageName[] = ['pretrain', 'rl', 'eval'];
/** Within a step: its sampling, its update, the held-out evaluation after it, then its checkpoint. */
const ORDER = { samples: 0, train: 1, heldout: 2, checkpoint: 3, eval: 4 };

function differingKeys(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]);
}

/** The differing tensors of two checkpoints: `name (params, m)`. */
function tensorDifferences(a: CheckpointRecord, b: CheckpointRecord): string[] {
  const other = new Map(b.tensors.map((t) => [t.name, t]));
  const out: string[] = [];
  for (const t of a.tensors) {
    const u = other.get(t.name);
    const parts = u ? (['params', 'm', 'v'] as const).filter((k) => t[k] !== u[k]) : ['missing'];
    if (parts.length) out.push(`${t.name} (${parts.join(', ')})`);
  }
  for (const t of b.tensors) if (!a.tensors.some((x) => x.name === t.name)) out.push(`${t.name} (missing)`);
  return out;
}

/** Where two sampler calls part: the first sequence and token that differ (their hashes when ids were not kept). */
function sampleDifference(a: SampleRecord, b: SampleRecord): string[] {
  if (!a.ids || !b.ids) return [`sha256 ${a.sha256.slice(0, 12)} vs ${b.sha256.slice(0, 12)} (ids not kept)`];
  for (let s = 0; s < Math.max(a.ids.length, b.ids.length); s++) {
    const x = a.ids[s] ?? [],
      y = b.ids[s] ?? [];
    for (let t = 0; t < Math.max(x.length, y.length); t++)
      if (x[t] !== y[t]) return [`sequence ${s} token ${t}: ${x[t] ?? 'end'} vs ${y[t] ?? 'end'}`];
  }
  return [];
}

const evalSummary = (e: EvalOpRecord) =>
  `${e.correct} correct, ${e.processCorrect} process-verified of ${e.samples} samples`;

/** Every event of a run, in the order the protocol makes them. */
function events(f: ProtocolFingerprint): Event[] {
  const list: Event[] = [];
  for (const r of f.steps)
    list.push({
      key: `${r.stage} step ${r.step} ${r.kind}`,
      stage: r.stage,
      step: r.step,
      what: r.kind,
      content: JSON.stringify(r.bits),
      record: r,
      diff: (o) => differingKeys(r.bits, (o as StepRecord).bits),
    });
  for (const r of f.checkpoints)
    list.push({
      key: `${r.stage} step ${r.step} checkpoint`,
      stage: r.stage,
      step: r.step,
      what: 'checkpoint',
      content: JSON.stringify(r.tensors),
      record: r,
      diff: (o) => tensorDifferences(r, o as CheckpointRecord),
    });
  const calls = new Map<string, number>();
  for (const r of f.samples) {
    const at = `${r.stage} step ${r.step}`;
    const call = calls.get(at) ?? 0;
    calls.set(at, call + 1);
    list.push({
      key: `${at} samples ${call}`,
      stage: r.stage,
      step: r.step,
      what: 'samples',
      content: r.sha256,
      record: r,
      diff: (o) => sampleDifference(r, o as SampleRecord),
    });
  }
  for (const e of f.eval)
    list.push({
      key: `eval op ${e.op}`,
      stage: 'eval',
      step: Infinity,
      what: 'eval',
      content: JSON.stringify(e),
      record: e,
      diff: (o) => [`op ${e.op}: ${evalSummary(e)} vs ${evalSummary(o as EvalOpRecord)}`],
    });
  const rank = (e: Event) => [STAGES.indexOf(e.stage), e.step, ORDER[e.what]];
  // Stable: events of the same rank (sampler calls of one step, eval ops) keep their recorded order.
  return list.sort((x, y) => {
    const [a, b] = [rank(x), rank(y)];
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
  });
}

/** Raw values of the chosen tensors, checkpoint by checkpoint, as distances of A to B. */
function drift(a: ProtocolFingerprint, b: ProtocolFingerprint): TensorDrift[] {
  const out: TensorDrift[] = [];
  for (const x of a.checkpoints) {
    const y = b.checkpoints.find((c) => c.stage === x.stage && c.step === x.step);
    if (!y) continue;
    for (const [tensor, values] of Object.entries(x.values)) {
      const other = y.values[tensor];
      if (!other || other.length !== values.length) continue;
      const nan = (v: (number | null)[]) => v.map((e) => e ?? NaN);
      out.push({ tensor, stage: x.stage, step: x.step, ...distance(nan(values), nan(other)) });
    }
  }
  return out;
}

function metricDrift(a: ProtocolFingerprint, b: ProtocolFingerprint): ProtocolComparison['metricDrift'] {
  const out: ProtocolComparison['metricDrift'] = [];
  for (const x of a.steps) {
    const y = b.steps.find((s) => s.stage === x.stage && s.step === x.step && s.kind === x.kind);
    if (!y || x.kind !== 'train') continue;
    for (const metric of differingKeys(x.bits, y.bits)) {
      if (!(metric in x.bits && metric in y.bits)) continue;
      const [va, vb] = [bitsFloat(x.bits[metric]), bitsFloat(y.bits[metric])];
      out.push({ stage: x.stage, step: x.step, metric, a: va, b: vb, relative: Math.abs(va - vb) / Math.abs(vb || 1) });
    }
  }
  return out;
}

export function compareProtocolRuns(
  a: ProtocolFingerprint,
  b: ProtocolFingerprint,
  labels: [string, string] = ['A', 'B'],
): ProtocolComparison {
  const [ea, eb] = [events(a), events(b)];
  const byKey = new Map(eb.map((e) => [e.key, e]));
  const keysA = new Set(ea.map((e) => e.key));
  let firstDivergence: Divergence | null = null;
  let firstTensor: ProtocolComparison['firstTensor'] = null;
  let differing = 0,
    compared = 0;
  for (const e of ea) {
    const o = byKey.get(e.key);
    if (!o) continue;
    compared++;
    if (e.content === o.content) continue;
    differing++;
    const detail = e.diff(o.record);
    firstDivergence ??= { stage: e.stage, step: e.step, what: e.what, detail };
    if (e.what === 'checkpoint') firstTensor ??= { stage: e.stage, step: e.step, tensors: detail };
  }
  const onlyIn: [string[], string[]] = [
    ea.filter((e) => !byKey.has(e.key)).map((e) => e.key),
    eb.filter((e) => !keysA.has(e.key)).map((e) => e.key),
  ];
  const ops = [...new Set([...a.eval, ...b.eval].map((e) => e.op))].sort((x, y) => x - y);
  const evalRows = ops.map((op) => ({
    op,
    a: a.eval.find((e) => e.op === op) ?? null,
    b: b.eval.find((e) => e.op === op) ?? null,
  }));
  const counts = (e: EvalOpRecord | null) => e && [e.problems, e.samples, e.correct, e.processCorrect].join();
  const protocolDiffers = a.protocol.sha256 !== b.protocol.sha256;
  return {
    format: 'reasoning-engine-protocol-comparison/1',
    identical: !protocolDiffers && !differing && !onlyIn[0].length && !onlyIn[1].length,
    labels,
    adapters: [a.adapter.description || a.adapter.name, b.adapter.description || b.adapter.name],
    protocolDiffers,
    engineDiffers: engineDifferences(a.engine, b.engine),
    adapterDiffers: adapterDifferences(a.adapter, b.adapter),
    firstDivergence,
    firstTensor,
    events: compared,
    differing,
    onlyIn,
    drift: drift(a, b),
    metricDrift: metricDrift(a, b),
    evalAgrees: evalRows.every((r) => counts(r.a) === counts(r.b)),
    eval: evalRows,
  };
}

/** Throws a one-line error when `value` is not a protocol fingerprint (`what` names the file). */
export function checkProtocolFingerprint(value: unknown, what: string): ProtocolFingerprint {
  const f = value as ProtocolFingerprint;
  if (f?.format !== FINGERPRINT_FORMAT || !Array.isArray(f.steps) || !Array.isArray(f.checkpoints))
    throw new Error(
      `${what} is not a protocol fingerprint (format ${FINGERPRINT_FORMAT}); write one with \`repro run\``,
    );
  return f;
}

const e2 = (x: number) => x.toExponential(2);

/** The comparison as a markdown report. */
export function protocolReport(c: ProtocolComparison): string {
  const [la, lb] = c.labels;
  const d = c.firstDivergence;
  const lines = [
    `# Protocol fingerprints: ${la} vs ${lb}`,
    '',
    `- ${la}: ${c.adapters[0]}`,
    `- ${lb}: ${c.adapters[1]}`,
    `- protocol: ${c.protocolDiffers ? '**differs** (another protocol or version: the runs are not comparable)' : 'the same'}`,
    `- engine: ${c.engineDiffers.length ? `differs (${c.engineDiffers.join(', ')}): a code change` : 'the same build'}`,
    `- adapter: ${c.adapterDiffers.length ? `differs (${c.adapterDiffers.join(', ')}): a vendor or driver difference` : 'the same'}`,
    '',
    c.protocolDiffers
      ? '**Not comparable**: the two ran different protocols.'
      : c.identical
        ? `**Identical**: all ${c.events} events of the protocol (steps, checkpoints, samples, evaluation) have the same bits.`
        : `**Not identical**: ${c.differing} of ${c.events} events differ.`,
  ];
  if (d) {
    const at =
      d.what === 'eval'
        ? 'the evaluation'
        : d.stage === 'eval'
          ? `eval sampler call ${d.step}`
          : `${d.stage} step ${d.step}`;
    lines.push('', `First divergence: **${at}, ${d.what}**: ${d.detail.slice(0, 6).join('; ')}`);
  }
  if (c.firstTensor) {
    const t = c.firstTensor;
    const more = t.tensors.length > 1 ? ` (${t.tensors.length} tensors differ there)` : '';
    lines.push(`First diverging tensor: **${t.tensors[0]}** at the ${t.stage} checkpoint of step ${t.step}${more}`);
  }
  if (c.metricDrift.length) {
    lines.push('', '| step | metric | ' + la + ' | ' + lb + ' | relative difference |', '|---|---|---:|---:|---:|');
    for (const m of c.metricDrift)
      lines.push(`| ${m.stage} ${m.step} | ${m.metric} | ${m.a} | ${m.b} | ${e2(m.relative)} |`);
  }
  const moved = c.drift.filter((x) => x.maxUlp > 0);
  if (moved.length) {
    const points = [...new Map(c.drift.map((x) => [`${x.stage} ${x.step}`, x])).keys()];
    lines.push(
      '',
      'Raw values of the chosen tensors, max ULP / relative error of ' + la + ' to ' + lb + ' at each checkpoint:',
      '',
      `| tensor | ${points.join(' | ')} | grows |`,
      `|---|${points.map(() => '---:|').join('')}---|`,
    );
    for (const tensor of new Set(c.drift.map((x) => x.tensor))) {
      const row = points.map((p) => c.drift.find((x) => x.tensor === tensor && `${x.stage} ${x.step}` === p));
      const cells = row.map((x) => (x ? `${x.maxUlp} / ${e2(x.maxRelError)}` : ''));
      const rel = row.filter((x): x is TensorDrift => !!x).map((x) => x.maxRelError);
      lines.push(`| ${tensor} | ${cells.join(' | ')} | ${rel.at(-1)! > rel[0] ? 'yes' : 'no'} |`);
    }
  }
  lines.push(
    '',
    `Evaluation: ${c.evalAgrees ? 'the same counts on every op' : '**the counts differ**'}.`,
    '',
    `| op | correct ${la} | correct ${lb} | process-verified ${la} | process-verified ${lb} | samples |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...c.eval.map(
      (r) =>
        `| ${r.op} | ${r.a?.correct ?? '-'} | ${r.b?.correct ?? '-'} | ${r.a?.processCorrect ?? '-'} | ` +
        `${r.b?.processCorrect ?? '-'} | ${r.a?.samples ?? '-'} |`,
    ),
  );
  for (const [i, only] of c.onlyIn.entries())
    if (only.length) lines.push('', `Only in ${c.labels[i]}: ${only.slice(0, 10).join(', ')}`);
  return lines.join('\n') + '\n';
}
