// `rl`: GRPO from a checkpoint with a config (preset or JSON file, --set overrides); metrics as JSON
// lines per step; resumes from the run directory's latest checkpoint.
import { Gpu } from '../../../ts/gpu/index.js';
import { validateGrpoConfig, type GrpoConfig } from '../../../ts/rl/config.js';
import { RL_PRESETS } from '../../../ts/rl/presets.js';
import { runRl } from '../../../ts/rl/stage.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { emit } from '../../../ts/io/stdio.js';
import type { Args } from '../args.js';
import { applySets, readConfigSpec, SET_HELP } from './train.js';
import type { Command } from './types.js';

export function loadRlConfig(args: Args): GrpoConfig {
  const raw = readConfigSpec(args.str('config', 'mini-rl'), RL_PRESETS, 'RL config');
  applySets(raw, args.optStr('set'));
  const init = args.optStr('init');
  if (init) raw.init = init;
  const ops = args.optStr('ops');
  if (ops) raw.ops = ops.split('-').map(Number);
  return validateGrpoConfig(raw);
}

export const rl: Command = {
  summary:
    "GRPO from a checkpoint, metrics as JSON lines per step, resuming from --out's latest checkpoint: --init CKPT --out DIR " +
    `[--config ${Object.keys(RL_PRESETS).join('|')}|FILE] [--ops 11-14 (MIN-MAX)] ${SET_HELP} [--adapter A]`,
  async run(args) {
    const out = args.str('out');
    const adapter = args.optStr('adapter');
    const cfg = loadRlConfig(args);
    args.checkAllUsed();
    const gpu = await Gpu.create({ adapter });
    const result = await runRl(cfg, { gpu, store: new NodeStore(), reporter: terminalReporter(), out });
    emit({ stage: 'rl', done: true, checkpoint: result.checkpoint, steps: result.metrics.length, adapter: gpu.adapterName });
  },
};
