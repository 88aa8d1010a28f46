// `data <subcommand>`: the task world's data. Each subcommand is a Command in the table below.
import { emit } from '../../../ts/io/stdio.js';
import { generateMany, MODES, TEMPLATES, type Mode, type Template } from '../../../ts/data/generator.js';
import { build, check, tokenizer } from './data-build.js';
import { fidelity } from './data-fidelity.js';
import type { Command } from '../options.js';

/** Largest batch asked of the engine at once, so memory stays flat for any --count. */
const BATCH = 1000;

const sample: Command = {
  summary: 'print generated problems as JSON lines',
  options: {
    op: { type: 'int', required: true, min: 2, max: 30, help: 'operations per problem' },
    template: { type: 'string', choices: TEMPLATES, default: 'crazy_zootopia', help: 'the problem template' },
    mode: { type: 'string', choices: MODES, default: 'forward', help: 'forward or reverse questions' },
    count: { type: 'int', default: 1, min: 0, help: 'problems to print' },
    seed: { type: 'int', default: 0, help: "the generator's seed" },
  },
  async run(args) {
    const op = args.num('op');
    const count = args.num('count');
    for (let start = 0; start < count; start += BATCH) {
      const batch = await generateMany({
        seed: args.num('seed'),
        op,
        template: args.str('template') as Template,
        mode: args.str('mode') as Mode,
        start,
        count: Math.min(BATCH, count - start),
      });
      for (const p of batch) await emit(p);
    }
  },
};

export const data: Command = {
  summary: 'task-world data',
  subcommands: { sample, tokenizer, build, check, fidelity },
  async run() {
    throw new Error('data needs a subcommand (`help data` lists them)');
  },
};
