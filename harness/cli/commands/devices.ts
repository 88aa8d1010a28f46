import { emit } from '../../../ts/io/stdio.js';
import { listAdapters } from '../../../ts/gpu/index.js';
import type { Command } from '../options.js';

export const devices: Command = {
  summary: 'list the WebGPU adapters this machine offers (JSON line each)',
  async run() {
    for (const a of await listAdapters()) await emit(a);
  },
};
