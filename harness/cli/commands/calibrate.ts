// `calibrate`: per-op pass@1 and pass@k of a checkpoint and the RL op range at its edge of
// competence (ts/eval/calibrate.ts states the rule), written as one JSON file.
import { DEFAULT_RULE, evaluateToFile, proposeRange } from '../../../ts/eval/index.js';
import { checkWritable } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { stopOnSignals } from '../interrupt.js';
import type { Command } from '../options.js';
import { EVAL_OPTIONS, EVAL_RETIRED, evalSettings } from './eval.js';

export const calibrate: Command = {
  summary: 'per-op pass@1/pass@n and the proposed RL op range (edge of competence), written to --out as JSON',
  options: {
    ...EVAL_OPTIONS,
    'max-pass1': {
      type: 'number',
      min: 0,
      max: 1,
      default: DEFAULT_RULE.max_pass1,
      help: 'an op qualifies when its pass@1 is below this',
    },
    'min-passk': {
      type: 'number',
      min: 0,
      max: 1,
      default: DEFAULT_RULE.min_passk,
      help: '... and its pass@n above this',
    },
    'max-width': { type: 'int', min: 1, default: DEFAULT_RULE.max_width, help: 'ops in the proposed range at most' },
    metric: {
      type: 'string',
      choices: ['outcome', 'process'],
      default: DEFAULT_RULE.metric,
      help: 'answer-only or process-verified correctness',
    },
  },
  retired: EVAL_RETIRED,
  async run(args) {
    const checkpoint = args.str('checkpoint');
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const samples = args.optStr('samples');
    const settings = evalSettings(args);
    const rule = {
      max_pass1: args.num('max-pass1'),
      min_passk: args.num('min-passk'),
      max_width: args.num('max-width'),
      metric: args.str('metric') as 'outcome' | 'process',
    };
    checkWritable(out);
    if (samples) checkWritable(samples);
    const stop = stopOnSignals();
    const gpu = await Gpu.create({ adapter, announce: true });
    const store = new NodeStore();
    const { evaluation: results, ...calibration } = await evaluateToFile(
      { checkpoint, settings, samples },
      { gpu, store, reporter: terminalReporter('calibrate', { rows: false }), out, stop },
      (evaluation) => ({
        format: 'reasoning-engine-calibration/1',
        ...proposeRange(evaluation.aggregates, settings.n, rule),
        evaluation,
      }),
    );
    for (const o of calibration.ops)
      await emit({ op: o.op, pass1: o.pass1, [`pass${calibration.k}`]: o.passK, qualifies: o.qualifies });
    emit({
      calibrate: 'done',
      range: calibration.range,
      reason: calibration.reason,
      results: out,
      checkpoint: results.checkpoint.dir,
    });
  },
};
