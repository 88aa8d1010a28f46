// `rl`: GRPO from a checkpoint with a config (a preset or a JSON file, flags over its keys); metrics
// as JSON lines per step; resumes from the run directory's latest checkpoint.
import { Gpu } from '../../../ts/gpu/index.js';
import { validateGrpoConfig } from '../../../ts/rl/config.js';
import { runRl } from '../../../ts/rl/stage.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit } from '../../../ts/io/stdio.js';
import { StageStopped } from '../../../ts/stage/loop.js';
import { stopOnSignals } from '../interrupt.js';
import type { Command } from '../options.js';
import { configFrom, configOptions, retiredFlags } from './config.js';

export const rl: Command = {
  summary:
    "GRPO from a checkpoint, metrics as JSON lines per step, resuming from --out's latest checkpoint (docs/rl.md)",
  options: {
    out: { type: 'string', required: true, value: 'DIR', help: 'the run directory (metrics, checkpoints)' },
    adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
    ...configOptions('rl', { required: ['init'] }),
  },
  retired: retiredFlags('rl'),
  async run(args) {
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const cfg = validateGrpoConfig(configFrom('rl', args));
    const stop = stopOnSignals();
    const gpu = await Gpu.create({ adapter });
    const result = await runRl(cfg, { gpu, store: new NodeStore(), reporter: terminalReporter(), out, stop });
    if (result.stopped) throw new StageStopped(`rl stopped: ${result.checkpoint}`);
    emit({
      stage: 'rl',
      done: true,
      checkpoint: result.checkpoint,
      steps: result.metrics.length,
      adapter: gpu.adapterName,
    });
  },
};
