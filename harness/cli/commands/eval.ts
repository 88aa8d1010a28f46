// `eval`: process-verified pass@k of a checkpoint (SPEC §6), written as one results JSON file, with
// one JSON line per group (all, split, op, template) on stdout and progress with ETA on stderr. A run
// killed midway resumes from FILE.partial.jsonl when run again with the same options.
import { MODES, type Mode } from '../../../ts/data/generator.js';
import { opsOfKey } from '../../../ts/data/mixture.js';
import { EVAL_PRESETS, runEval, finishEval, type EvalResults, type EvalSettings } from '../../../ts/eval/index.js';
import { checkWritable } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import type { Args } from '../args.js';
import type { Command } from './types.js';

const paper = EVAL_PRESETS.paper;
export const EVAL_OPTIONS =
  `--checkpoint CKPT|RUN_DIR --out FILE [--preset paper|cpu (defaults below: paper's)] [--ops 2-20|2,5,11-14] ` +
  `[--per-op ${paper.perOp}] [--n ${paper.n}] [--temperature ${paper.temperature}] [--top-p ${paper.topP}] ` +
  `[--top-k ${paper.topK} (off)] [--max-new ${paper.maxNew}] [--seed ${paper.seed}] [--batch ${paper.batch}] ` +
  '[--mode forward|reverse] [--data DIR (problems from its eval sets)] [--problem-seed S (else generated)] [--adapter A]';

/** The preset named by --preset with every other option applied over it. */
export function evalSettings(args: Args): EvalSettings {
  const name = args.str('preset', 'paper');
  const base = EVAL_PRESETS[name as keyof typeof EVAL_PRESETS];
  if (!base) throw new Error(`--preset ${name}: choose one of ${Object.keys(EVAL_PRESETS).join(', ')}`);
  const ops = args.optStr('ops');
  const mode = args.str('mode', base.mode);
  if (!MODES.includes(mode as Mode)) throw new Error(`--mode must be one of ${MODES.join(', ')}, got '${mode}'`);
  return {
    ...base,
    ops: ops ? [...new Set(ops.split(',').flatMap(opsOfKey))].sort((a, b) => a - b) : base.ops,
    perOp: args.int('per-op', base.perOp),
    n: args.int('n', base.n),
    temperature: args.num('temperature', base.temperature),
    topP: args.num('top-p', base.topP),
    topK: args.int('top-k', base.topK),
    maxNew: args.int('max-new', base.maxNew),
    seed: args.int('seed', base.seed),
    batch: args.int('batch', base.batch),
    problemSeed: args.int('problem-seed', base.problemSeed),
    mode: mode as Mode,
    ...(args.optStr('data') ? { data: args.str('data') } : {}),
  };
}

/** One JSON line per group of the results. */
export async function emitGroups(r: EvalResults): Promise<void> {
  const { all, splits, ops, templates } = r.aggregates;
  await emit({ group: 'all', ...all });
  for (const [name, g] of Object.entries(splits)) await emit({ group: 'split', name, ...g });
  for (const [name, g] of Object.entries(ops)) await emit({ group: 'op', name, ...g });
  for (const [name, g] of Object.entries(templates)) await emit({ group: 'template', name, ...g });
}

export const evalCommand: Command = {
  summary:
    'pass@k of a checkpoint, answer-only and process-verified, written to --out as JSON, with one JSON line per ' +
    `group (all, split, op, template): ${EVAL_OPTIONS}`,
  async run(args) {
    const checkpoint = args.str('checkpoint');
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const settings = evalSettings(args);
    args.checkAllUsed();
    checkWritable(out);
    const gpu = await Gpu.create({ adapter, announce: true });
    const store = new NodeStore();
    const results = await runEval({ checkpoint, settings }, { gpu, store, reporter: terminalReporter('eval', { rows: false }), out });
    await finishEval(store, out, results);
    await emitGroups(results);
    emit({ eval: 'done', results: out, checkpoint: results.checkpoint.dir, adapter: results.adapter, ...results.timing });
  },
};
