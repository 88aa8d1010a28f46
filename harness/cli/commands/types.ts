import type { Args } from '../args.js';

export interface Command {
  summary: string;
  run(args: Args): Promise<void>;
}
