// `study NAME`: one of the study's four experiments (SPEC §7, harness/studies/) as a graph of runs
// keyed by their configuration; finished runs are skipped, so a killed study resumes where it
// stopped and a changed field re-runs only what depends on it. Then the report: JSON, markdown and
// SVG figures in the study folder (docs/studies.md).
import { join } from 'node:path';
import { Gpu } from '../../../ts/gpu/index.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { emit, log } from '../../../ts/io/stdio.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import {
  expandPlan,
  parseSet,
  SCALES,
  type Plan,
  type StudyDef,
  buildReport,
  reportFigures,
  reportMarkdown,
  planStatus,
  planText,
  runPlan,
  type RunnerOptions,
} from '../../../ts/study/index.js';
import type { RunStore } from '../../../ts/store/store.js';
import { STUDIES } from '../../studies/index.js';
import { stopOnSignals } from '../interrupt.js';
import type { Command } from '../options.js';

/** Runs the plan in-process and writes the report beside it; returns the report's JSON file. */
export async function runStudy(
  study: StudyDef,
  plan: Plan,
  o: Pick<RunnerOptions, 'store' | 'root' | 'gpu' | 'execute' | 'stop'>,
): Promise<string> {
  const records = await runPlan(plan, {
    ...o,
    reporter: (node) => terminalReporter(node.id, { rows: false }),
    onStart: (node, done) => {
      if (!done) log(`${node.id}: ${node.kind} in ${join(o.root, node.out)}`);
    },
    onDone: (node, rec, skipped) => {
      // The aggregates and held-out tables are in done.json and the report; the row names the run.
      const { aggregates: _a, heldOut: _h, ...result } = rec.result;
      emit({ run: node.id, kind: node.kind, key: node.key, skipped, ...result });
    },
  });
  return writeReport(o.store, o.root, study, plan, records);
}

async function writeReport(
  store: RunStore,
  root: string,
  study: StudyDef,
  plan: Plan,
  records: Awaited<ReturnType<typeof runPlan>>,
): Promise<string> {
  const report = buildReport(study, plan, records);
  const figures = reportFigures(report);
  for (const [file, svg] of Object.entries(figures)) await store.write(join(root, file), svg);
  await store.write(join(root, 'report.md'), reportMarkdown(report, Object.keys(figures)));
  const file = join(root, 'report.json');
  await store.write(file, JSON.stringify(report, null, 1) + '\n');
  return file;
}

export const study: Command = {
  summary:
    "one of the study's experiments (edge, context, split, process) as a graph of runs that share their bases; " +
    'finished runs are skipped, so a killed study resumes; writes a report (JSON, markdown, SVG) into --out',
  positionals: { value: Object.keys(STUDIES).join('|'), help: 'the study (SPEC §7, harness/studies/)', min: 1, max: 1 },
  options: {
    scale: {
      type: 'string',
      choices: SCALES,
      default: 'tiny',
      help: 'sizes and budgets: tiny (CI), mini (~1 GPU hour), paper',
    },
    out: { type: 'string', value: 'DIR', help: 'the study folder', shownDefault: 'runs/study-NAME-SCALE' },
    seeds: { type: 'int', min: 1, default: 1, help: 'replicas of every run, seeds 1..N' },
    set: {
      type: 'string',
      value: 'KIND.KEY=V,...',
      help: 'overrides for every run of a kind, e.g. rl.learning_rate=1e-5',
    },
    plan: { type: 'boolean', help: 'print the graph and what is done, and run nothing' },
    adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
    queue: {
      type: 'string',
      value: 'redis://HOST:PORT',
      help: 'run on `worker`s through Redis (docs/studies.md, "Many machines"): enqueue, wait, then report',
    },
    store: { type: 'string', value: 'DIR', help: 'with --queue: the study folder, which every worker mounts' },
  },
  async run(args) {
    const name = args.positionals[0];
    const def = STUDIES[name];
    if (!def) throw new Error(`no study '${name}'; studies: ${Object.keys(STUDIES).join(', ')}`);
    const scale = args.str('scale');
    const queue = args.optStr('queue');
    if (args.has('store') !== !!queue)
      throw new Error(
        queue ? 'study --queue needs --store DIR, the study folder every worker mounts' : '--store goes with --queue',
      );
    if (queue && args.has('out')) throw new Error('study --queue writes into --store DIR; leave out --out');
    const root = args.optStr('store') ?? args.optStr('out') ?? join('runs', `study-${name}-${scale}`);
    const set = args.has('set') ? parseSet(args.str('set')) : {};
    const plan = await expandPlan(def, { scale, seeds: args.num('seeds'), set });
    const store = new NodeStore();
    if (args.flag('plan')) {
      log(planText(plan, await planStatus(plan, store, root)));
      return;
    }
    const adapter = args.optStr('adapter');
    const t0 = performance.now();
    // The queue's code (and BullMQ) is loaded only with --queue.
    const queued = async (url: string) =>
      (await import('../../queue/cli.js')).runQueuedPlan(plan, { url, store, root });
    const report = queue
      ? await writeReport(store, root, def, plan, await queued(queue))
      : await runStudy(def, plan, {
          store,
          root,
          gpu: () => Gpu.create({ adapter, announce: true }),
          stop: stopOnSignals(),
        });
    emit({ study: name, scale, report, seconds: +((performance.now() - t0) / 1000).toFixed(1) });
  },
};
