// `eval`: process-verified pass@k of a checkpoint (SPEC §6), written as one results JSON file, with
// one JSON line per group (all, split, op, template) on stdout and progress with ETA on stderr. A run
// killed midway resumes from FILE.partial.jsonl when run again with the same options.
import { EVAL_SCHEMA, evaluateToFile, type EvalResults, type EvalSettings } from '../../../ts/eval/index.js';
import { checkWritable } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { stopOnSignals } from '../interrupt.js';
import { validate } from '../../../ts/util/schema.js';
import type { Args, Command, Options } from '../options.js';
import { configFrom, configOptions, retiredFlags } from './config.js';

/** The options of `eval` and `calibrate`: what to evaluate, where to write it, and the settings. */
export const EVAL_OPTIONS: Options = {
  checkpoint: {
    type: 'string',
    required: true,
    value: 'CKPT|RUN_DIR',
    help: 'a checkpoint, or a run directory (its latest)',
  },
  out: { type: 'string', required: true, value: 'FILE', help: 'the results JSON file' },
  samples: {
    type: 'string',
    value: 'FILE',
    help: "every completion with the verifier's per-step verdict, as JSON lines (the site's Samples page)",
  },
  adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
  ...configOptions('eval'),
};

export const EVAL_RETIRED = retiredFlags('eval', { 'max-new': 'max_new_tokens', preset: 'config' });

/** The settings: the --config preset or file with every flag applied over it. */
export function evalSettings(args: Args): EvalSettings {
  return validate<EvalSettings>(EVAL_SCHEMA, configFrom('eval', args));
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
    'group (all, split, op, template)',
  options: EVAL_OPTIONS,
  retired: EVAL_RETIRED,
  async run(args) {
    const checkpoint = args.str('checkpoint');
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const samples = args.optStr('samples');
    const settings = evalSettings(args);
    checkWritable(out);
    if (samples) checkWritable(samples);
    const stop = stopOnSignals();
    const gpu = await Gpu.create({ adapter, announce: true });
    const store = new NodeStore();
    const results = await evaluateToFile(
      { checkpoint, settings, samples },
      { gpu, store, reporter: terminalReporter('eval', { rows: false }), out, stop },
    );
    await emitGroups(results);
    emit({
      eval: 'done',
      results: out,
      checkpoint: results.checkpoint.dir,
      adapter: results.adapter,
      ...results.timing,
    });
  },
};
