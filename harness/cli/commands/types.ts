import type { Args } from '../args.js';

export interface Command {
  /** One line for `help`: what the command does and every option it reads ([optional], default first). */
  summary: string;
  /** Commands under this one (`data sample`, ...), listed by `help`. */
  subcommands?: Record<string, Command>;
  run(args: Args): Promise<void>;
}
