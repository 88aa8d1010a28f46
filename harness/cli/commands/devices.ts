import { emit } from '../../../ts/io/stdio.js';
import { listAdapters } from '../../../ts/gpu/index.js';
import type { Command } from './types.js';

export const devices: Command = {
  summary: 'list the WebGPU adapters this machine offers (JSON line each)',
  async run(args) {
    args.checkAllUsed();
    for (const a of await listAdapters()) await emit(a);
  },
};
