// `worker --queue redis://HOST:PORT --store DIR`: takes the runs of studies queued on that store
// (`study NAME --queue ... --store DIR`) whose inputs are finished, and runs them here, one per GPU
// (docs/studies.md, "Many machines"). BullMQ is loaded only when this command runs.
import type { Command } from '../options.js';

export const worker: Command = {
  summary:
    'serve a queued study: take its runs whose inputs are finished from Redis (BullMQ) and run them on this ' +
    "machine's GPU, on the study folder every machine mounts; a killed worker's run is resumed by another",
  options: {
    queue: { type: 'string', required: true, value: 'redis://HOST:PORT', help: 'the Redis the study was queued on' },
    store: { type: 'string', required: true, value: 'DIR', help: "the study folder (the same as the study's --store)" },
    adapter: { type: 'string', value: 'A', help: 'WebGPU adapter (README)', shownDefault: 'auto' },
    concurrency: { type: 'int', min: 1, default: 1, help: 'runs at a time on this GPU' },
    'lock-seconds': {
      type: 'int',
      min: 2,
      default: 60,
      value: 'S',
      help: "a run's lock in Redis, renewed every S/2 s: a killed worker's run goes to another within 1.5 S",
    },
  },
  async run(args) {
    const { serveQueue } = await import('../../queue/cli.js');
    await serveQueue({
      url: args.str('queue'),
      storeDir: args.str('store'),
      adapter: args.optStr('adapter'),
      concurrency: args.num('concurrency'),
      lockSeconds: args.num('lock-seconds'),
    });
    await new Promise(() => {}); // serves until stopped
  },
};
