// `pretrain` and `midtrain`: one stage from a run config (a preset or a JSON file, flags over its
// keys), on the chosen adapter, resuming from the run directory's latest checkpoint when there is one.
import { Gpu } from '../../../ts/gpu/index.js';
import { validateRunConfig, type RunConfig } from '../../../ts/train/runconfig.js';
import { runTraining } from '../../../ts/train/stage.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit } from '../../../ts/io/stdio.js';
import { StageStopped } from '../../../ts/stage/loop.js';
import { stopOnSignals } from '../interrupt.js';
import type { Args, Command } from '../options.js';
import { configFrom, configOptions, retiredFlags } from './config.js';

/** The run config of `stage`: --config with the keys given as flags over it. */
export function loadRunConfig(args: Args, stage: RunConfig['stage']): RunConfig {
  const cfg = validateRunConfig(configFrom(stage, args));
  if (cfg.stage !== stage) throw new Error(`run config is for stage '${cfg.stage}', not '${stage}'`);
  return cfg;
}

function stageCommand(stage: RunConfig['stage']): Command {
  return {
    summary:
      `${stage === 'pretrain' ? 'pre-train a model' : 'continue training a checkpoint on new data'}: data built into --out ` +
      "first, metrics and held-out evaluations as JSON lines, resuming from --out's latest checkpoint",
    options: {
      out: { type: 'string', required: true, value: 'DIR', help: 'the run directory (data, metrics, checkpoints)' },
      adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
      ...configOptions(stage, { skip: ['stage'], required: stage === 'midtrain' ? ['init'] : [] }),
    },
    retired: retiredFlags(stage),
    async run(args) {
      const out = args.str('out');
      const adapter = args.optStr('adapter');
      const cfg = loadRunConfig(args, stage);
      const stop = stopOnSignals();
      const gpu = await Gpu.create({ adapter });
      const result = await runTraining(cfg, { gpu, store: new NodeStore(), reporter: terminalReporter(), out, stop });
      if (result.stopped) throw new StageStopped(`${stage} stopped at step ${result.steps}: ${result.checkpoint}`);
      emit({ stage, done: true, ...result, adapter: gpu.adapterName });
    },
  };
}

export const pretrain = stageCommand('pretrain');
export const midtrain = stageCommand('midtrain');
