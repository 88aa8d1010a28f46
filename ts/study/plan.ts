// A study as a graph of runs. A plan file (harness/studies/) names its runs and what each reads
// (a checkpoint, an evaluation); expandPlan gives each run its full configuration (the scale's base
// for its kind, the run's own keys, then --set overrides), validates it, and keys it by the sha256 of
// that configuration and its inputs' keys. Equal keys are one run: shared bases are trained once,
// and changing one field changes the keys of that run and of everything downstream of it only.
import { validateGrpoConfig } from '../rl/config.js';
import { DEFAULT_RULE } from '../eval/calibrate.js';
import { EVAL_SCHEMA } from '../eval/settings.js';
import { validateRunConfig } from '../train/runconfig.js';
import { sha256Hex } from '../util/hash.js';
import { canonicalJson } from '../util/json.js';
import { validate } from '../util/schema.js';

/** What a run does: a training stage, RL, a sampled evaluation, a calibration over one, a data check. */
// `import` is a checkpoint made elsewhere (a committed base model), copied into the study's store and
// keyed by its weights' sha256, so what reads it is keyed by the weights, not by where they lay.
export type Kind = 'pretrain' | 'midtrain' | 'rl' | 'eval' | 'calibrate' | 'check' | 'import';
export const KINDS: readonly Kind[] = ['pretrain', 'midtrain', 'rl', 'eval', 'calibrate', 'check', 'import'];

/** What each kind reads from the runs before it (role -> the kind of run it must be). */
export const INPUTS: Record<Kind, Record<string, readonly Kind[]>> = {
  pretrain: {},
  import: {},
  midtrain: { init: ['pretrain', 'midtrain', 'import'] },
  rl: { init: ['pretrain', 'midtrain', 'rl', 'import'], calibration: ['calibrate'] },
  eval: { checkpoint: ['pretrain', 'midtrain', 'rl', 'import'] },
  calibrate: { eval: ['eval'] },
  check: { data: ['pretrain', 'midtrain'] },
};

/** How a report places a run's evaluation: its row, and where it sits on a figure's x axis. */
export interface Label {
  row: string;
  /** The series a figure draws this row in ('base', 'after RL'). */
  series?: string;
  /** The row's place on a figure's x axis ('1%', 'β 0.2'), in row order. */
  x?: string;
}

/** One run as a plan file writes it. */
export interface RunSpec {
  /** Unique in the study, readable: 'base', 'rl-11-14', 'eval-rl-11-14'. */
  id: string;
  kind: Kind;
  /** Keys over the scale's base configuration for this kind. */
  config?: Record<string, unknown>;
  /** Role -> id of the run this one reads (INPUTS names the roles): `{init: 'base'}`. */
  from?: Record<string, string>;
  /** Where the outputs go, relative to the study folder, instead of the run folder (`npm start`'s layout). */
  at?: string;
  /** Evaluations only: the report's row. */
  label?: Label;
  /** Evaluations only: where every completion goes with its verdict (default: samples.jsonl in the run folder). */
  samples?: string;
  /** Imports only: the checkpoint directory to copy (not keyed: the config's model_sha256 is). */
  source?: string;
}

/** Base configurations by kind at one scale, and what it costs. */
export interface Scale {
  pretrain: Record<string, unknown>;
  midtrain: Record<string, unknown>;
  rl: Record<string, unknown>;
  eval: Record<string, unknown>;
  /** What running the study at this scale costs, for --plan and the README. */
  cost: string;
}

export const SCALES = ['tiny', 'mini', 'paper'] as const;
export type ScaleName = (typeof SCALES)[number];

/** A reported number of the study (SPEC §7), printed beside ours. */
export interface Reported {
  claim: string;
  value?: string;
}

/** A plan file. */
export interface StudyDef {
  name: string;
  title: string;
  /** The finding of SPEC §7 the study tests. */
  finding: string;
  reported: Reported[];
  scales: Record<ScaleName, Scale>;
  /** The runs at a scale (the split study sizes its runs from the scale's budget). */
  runs(scale: Scale, name: ScaleName): RunSpec[];
  /** How the report reads the evaluations (ts/study/report.ts). */
  report: ReportSpec;
}

/** What a study's report shows: which group of each evaluation, which metrics, which figures. */
export interface ReportSpec {
  /** Aggregate groups by name: 'ID', 'OOD-edge', 'OOD-hard' (splits), or 'all'. */
  groups: string[];
  /** Columns per group. */
  metrics: Metric[];
  /** A figure of each metric against the rows' x (B's share, β), per group, named by this axis title. */
  x?: string;
}

export type Metric = 'pass@1' | 'pass@n' | 'strict pass@1' | 'strict pass@n' | 'hacking';

export interface PlanNode {
  /** sha256 of the canonical JSON of {kind, config, inputs' keys}. */
  key: string;
  /** The plan file's id, with '@seed' when the study runs several seeds. */
  id: string;
  kind: Kind;
  /** The full, validated configuration (inputs are not in it: they come from `inputs`). */
  config: Record<string, unknown>;
  /** Role -> the input run's key and folder. */
  inputs: Record<string, { key: string; dir: string }>;
  /** Keys of the inputs: the graph's edges. */
  deps: string[];
  /** The run's folder relative to the study folder: runs/<kind>-<key12>; done.json goes there. */
  dir: string;
  /** Where its outputs go (relative to the study folder): `dir`, or the run's `at`. */
  out: string;
  /** Evaluations: the completions file (relative to the study folder), for the site's Samples page. */
  samples?: string;
  label?: Label;
  /** Imports: the checkpoint directory copied into `out`. */
  source?: string;
  seed: number;
}

export interface Plan {
  study: string;
  scale: string;
  seeds: number;
  nodes: PlanNode[];
}

export interface PlanOptions {
  scale: string;
  /** Replicas of the whole graph with seeds 1..N (default 1). */
  seeds?: number;
  /** Overrides `kind.key=value`, applied to every run of that kind. */
  set?: Record<string, unknown>;
}

/** `rl.learning_rate=1e-5,eval.n=4` as {"rl.learning_rate": 1e-5, ...}; values read as JSON, else as text. */
export function parseSet(text: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  // A comma inside brackets belongs to the value (eval.ops=[2,3]).
  for (const item of text.match(/(?:[^,[]|\[[^\]]*\])+/g) ?? []) {
    const m = /^\s*([a-z]+)\.([a-z_0-9]+)=(.*)$/.exec(item);
    if (!m || !KINDS.includes(m[1] as Kind))
      throw new Error(`--set ${item}: expected KIND.KEY=VALUE with KIND one of ${KINDS.join(', ')}`);
    let value: unknown = m[3].trim();
    try {
      value = JSON.parse(value as string);
    } catch {
      // plain text: a preset name, a range like 11-14
    }
    out[`${m[1]}.${m[2]}`] = value;
  }
  return out;
}

/** Validates a run's configuration as its stage would, with defaults filled in. */
function fullConfig(kind: Kind, raw: Record<string, unknown>, where: string): Record<string, unknown> {
  try {
    switch (kind) {
      case 'pretrain':
      case 'midtrain': {
        // init is an input; a placeholder satisfies the schema's "midtrain needs init".
        const { init: _, ...cfg } = validateRunConfig({ ...raw, stage: kind, init: 'input' }) as object as Record<
          string,
          unknown
        >;
        return cfg;
      }
      case 'rl': {
        const { init: _, ...cfg } = validateGrpoConfig({ ...raw, init: 'input' }) as object as Record<string, unknown>;
        return cfg;
      }
      case 'eval':
        return validate<Record<string, unknown>>(EVAL_SCHEMA, raw);
      case 'calibrate': {
        const extra = Object.keys(raw).filter((k) => !(k in DEFAULT_RULE));
        if (extra.length) throw new Error(`unknown calibration key(s) ${extra}; keys: ${Object.keys(DEFAULT_RULE)}`);
        return { ...DEFAULT_RULE, ...raw };
      }
      case 'check':
        if (Object.keys(raw).length) throw new Error(`a check takes no configuration (got ${Object.keys(raw)})`);
        return {};
      case 'import': {
        const { model_sha256, ...extra } = raw;
        if (Object.keys(extra).length) throw new Error(`an import takes only model_sha256 (got ${Object.keys(extra)})`);
        if (typeof model_sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(model_sha256))
          throw new Error(`an import needs model_sha256, the 64 hex digits of its model.safetensors' sha256`);
        return { model_sha256 };
      }
    }
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
}

/** The first 12 hex digits name a run's folder. */
export const runDirName = (kind: Kind, key: string): string => `runs/${kind}-${key.slice(0, 12)}`;

/** The study's runs at a scale, each with its key, in an order where inputs come first. */
export async function expandPlan(study: StudyDef, o: PlanOptions): Promise<Plan> {
  if (!SCALES.includes(o.scale as ScaleName))
    throw new Error(`study ${study.name} has no scale '${o.scale}'; scales: ${SCALES.join(', ')}`);
  const scale = study.scales[o.scale as ScaleName];
  return expandRuns(study.name, study.runs(scale, o.scale as ScaleName), scale, o);
}

/** Runs (a plan file's, or `npm start`'s) over a scale's base configurations, keyed. */
export async function expandRuns(name: string, runs: RunSpec[], scale: Scale, o: PlanOptions): Promise<Plan> {
  const seeds = o.seeds ?? 1;
  if (!(Number.isInteger(seeds) && seeds >= 1)) throw new Error(`--seeds must be a whole number >= 1, got ${seeds}`);
  const set = o.set ?? {};
  const specs = new Map(runs.map((r) => [r.id, r]));
  if (specs.size !== runs.length) throw new Error(`study ${name}: two runs share an id`);
  for (const k of Object.keys(set)) {
    const kind = k.split('.')[0] as Kind;
    if (!runs.some((r) => r.kind === kind)) throw new Error(`--set ${k}: study ${name} has no ${kind} run`);
  }
  const nodes: PlanNode[] = [];
  for (let seed = 1; seed <= seeds; seed++) {
    const byId = new Map<string, PlanNode>();
    const visit = async (id: string, path: string[]): Promise<PlanNode> => {
      const done = byId.get(id);
      if (done) return done;
      const r = specs.get(id);
      if (!r) throw new Error(`study ${name}: run ${path.at(-1)} reads '${id}', which is not one of its runs`);
      if (path.includes(id)) throw new Error(`study ${name}: runs ${[...path, id].join(' -> ')} form a cycle`);
      const inputs: PlanNode['inputs'] = {};
      for (const [role, from] of Object.entries(r.from ?? {})) {
        const allowed = INPUTS[r.kind][role];
        if (!allowed) throw new Error(`study ${name}: run ${id} (${r.kind}) has no input '${role}'`);
        const dep = await visit(from, [...path, id]);
        if (!allowed.includes(dep.kind))
          throw new Error(`study ${name}: run ${id} reads ${role} from ${from}, a ${dep.kind} run`);
        inputs[role] = { key: dep.key, dir: dep.dir };
      }
      const needed = r.kind === 'rl' ? ['init'] : Object.keys(INPUTS[r.kind]);
      for (const role of needed)
        if (!inputs[role]) throw new Error(`study ${name}: run ${id} (${r.kind}) needs an input '${role}'`);
      if ((r.kind === 'import') !== (r.source !== undefined))
        throw new Error(`study ${name}: run ${id}: an import, and only an import, names its source`);
      const base = r.kind === 'calibrate' || r.kind === 'check' || r.kind === 'import' ? {} : scale[r.kind];
      const overrides = Object.entries(set)
        .filter(([k]) => k.startsWith(`${r.kind}.`))
        .map(([k, v]) => [k.slice(k.indexOf('.') + 1), v]);
      // Replicas differ by the seed of what they train; evaluations keep their problems and sampling.
      const seeded = ['pretrain', 'midtrain', 'rl'].includes(r.kind) ? { seed } : {};
      const raw = { ...base, ...r.config, ...seeded, ...Object.fromEntries(overrides) };
      const config = fullConfig(r.kind, raw, `study ${name}, run ${id}`);
      const keyOf = Object.fromEntries(Object.entries(inputs).map(([role, i]) => [role, i.key]));
      const key = await sha256Hex(canonicalJson({ kind: r.kind, config, inputs: keyOf }));
      const dir = runDirName(r.kind, key);
      const node: PlanNode = {
        key,
        id: seeds > 1 ? `${id}@${seed}` : id,
        kind: r.kind,
        config,
        inputs,
        deps: Object.values(keyOf),
        dir,
        out: r.at ?? dir,
        ...(r.kind === 'eval' ? { samples: r.samples ?? `${dir}/samples.jsonl` } : {}),
        ...(r.label ? { label: r.label } : {}),
        ...(r.source !== undefined ? { source: r.source } : {}),
        seed,
      };
      byId.set(id, node);
      if (!nodes.some((n) => n.key === key)) nodes.push(node);
      return node;
    };
    for (const r of runs) await visit(r.id, []);
  }
  return { study: name, scale: o.scale, seeds, nodes };
}
