// `data <subcommand>`: the task world's data. Each subcommand is a Command in the table below.
import { emit } from '../../../ts/io/stdio.js';
import { generateMany, MODES, TEMPLATES, type Mode, type Template } from '../../../ts/data/generator.js';
import { build, check, tokenizer } from './data-build.js';
import { fidelity } from './data-fidelity.js';
import type { Args } from '../args.js';
import type { Command } from './types.js';

/** Largest batch asked of the engine at once, so memory stays flat for any --count. */
const BATCH = 1000;

const sample: Command = {
  summary:
    `print generated problems as JSON lines: --op N (2-30) [--template ${TEMPLATES.join('|')}] [--mode forward|reverse] ` +
    '[--count 1] [--seed 0]',
  async run(args) {
    const op = args.int('op');
    const template = args.str('template', 'crazy_zootopia');
    const mode = args.str('mode', 'forward');
    const count = args.int('count', 1);
    const seed = args.int('seed', 0);
    args.checkAllUsed();
    if (!TEMPLATES.includes(template as Template))
      throw new Error(`--template must be one of ${TEMPLATES.join(', ')}, got '${template}'`);
    if (!MODES.includes(mode as Mode)) throw new Error(`--mode must be forward or reverse, got '${mode}'`);
    if (count < 0) throw new Error(`--count must be >= 0, got ${count}`);
    for (let start = 0; start < count; start += BATCH) {
      const batch = await generateMany({
        seed,
        op,
        template: template as Template,
        mode: mode as Mode,
        start,
        count: Math.min(BATCH, count - start),
      });
      for (const p of batch) await emit(p);
    }
  },
};

const subcommands: Record<string, Command> = {
  sample,
  tokenizer,
  build,
  check,
  fidelity,
};

export const data: Command = {
  summary: `task-world data; subcommands: ${Object.keys(subcommands).join(', ')}`,
  subcommands,
  async run(args: Args) {
    const name = args.positional[0];
    const sub = name === undefined ? undefined : subcommands[name];
    if (name !== undefined && !sub) {
      throw new Error(`unknown data subcommand '${name}'; choose one of ${Object.keys(subcommands).join(', ')} (\`data\` alone lists their options)`);
    }
    if (!sub) {
      const list = Object.entries(subcommands)
        .map(([n, c]) => `  data ${n.padEnd(8)} ${c.summary}`)
        .join('\n');
      throw new Error(`data needs a subcommand; choose one of:\n${list}`);
    }
    await sub.run(args);
  },
};
