// `calibrate`: per-op pass@1 and pass@k of a checkpoint and the RL op range at its edge of
// competence (ts/eval/calibrate.ts states the rule), written as one JSON file.
import { DEFAULT_RULE, finishEval, proposeRange, runEval } from '../../../ts/eval/index.js';
import { checkWritable } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import type { Command } from './types.js';
import { EVAL_OPTIONS, evalSettings } from './eval.js';

export const calibrate: Command = {
  summary:
    `per-op pass@1/pass@n and the proposed RL op range (edge of competence), written to --out as JSON: ${EVAL_OPTIONS} ` +
    `[--max-pass1 ${DEFAULT_RULE.maxPass1}] [--min-passk ${DEFAULT_RULE.minPassK}] [--max-width ${DEFAULT_RULE.maxWidth}] [--metric outcome|process]`,
  async run(args) {
    const checkpoint = args.str('checkpoint');
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const settings = evalSettings(args);
    const metric = args.str('metric', DEFAULT_RULE.metric);
    if (metric !== 'outcome' && metric !== 'process') throw new Error(`--metric must be outcome or process, got '${metric}'`);
    const rule = {
      maxPass1: args.num('max-pass1', DEFAULT_RULE.maxPass1),
      minPassK: args.num('min-passk', DEFAULT_RULE.minPassK),
      maxWidth: args.int('max-width', DEFAULT_RULE.maxWidth),
      metric,
    } as const;
    args.checkAllUsed();
    checkWritable(out);
    const gpu = await Gpu.create({ adapter, announce: true });
    const store = new NodeStore();
    const results = await runEval({ checkpoint, settings }, { gpu, store, reporter: terminalReporter('calibrate', { rows: false }), out });
    const calibration = proposeRange(results.aggregates, settings.n, rule);
    await finishEval(store, out, { format: 'reasoning-engine-calibration/1', ...calibration, evaluation: results });
    for (const o of calibration.ops) await emit({ op: o.op, pass1: o.pass1, [`pass${calibration.k}`]: o.passK, qualifies: o.qualifies });
    emit({ calibrate: 'done', range: calibration.range, reason: calibration.reason, results: out, checkpoint: results.checkpoint.dir });
  },
};
