// `repro <subcommand>`: reproducibility across adapters. `kernels` fingerprints every kernel on the
// chosen adapter (ts/repro/kernels.ts); `compare` says whether two fingerprints are the same bits
// and which kernels differ (ts/repro/compare.ts).
import { Gpu } from '../../../ts/gpu/index.js';
import { checkWritable, readInput, writeFileAtomic } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { checkFingerprint, compareKernels, kernelReport } from '../../../ts/repro/compare.js';
import { DEFAULT_KERNEL_SEED, fingerprintKernels } from '../../../ts/repro/kernels.js';
import { parseJson } from '../../../ts/util/json.js';
import type { Command } from '../options.js';

const kernels: Command = {
  summary:
    'every kernel (forward and backward) on fixed seeded inputs: output hashes and max ULP / relative error ' +
    'to the float64 reference, with the adapter and engine identity, written to --out as JSON',
  options: {
    out: { type: 'string', required: true, value: 'FILE', help: 'the fingerprint (JSON)' },
    adapter: { type: 'string', value: 'A', help: "'auto', 'lavapipe', 'swiftshader' or part of an adapter name" },
    seed: { type: 'int', default: DEFAULT_KERNEL_SEED, min: 0, max: 2 ** 32 - 1, help: 'seed of the inputs' },
  },
  async run(args) {
    const out = args.str('out');
    checkWritable(out);
    const gpu = await Gpu.create({ adapter: args.optStr('adapter'), announce: true });
    const reporter = terminalReporter('repro kernels');
    const f = await fingerprintKernels(gpu, {
      seed: args.num('seed'),
      onProgress: reporter.progress,
      onEntry: (e) => void emit(e),
    });
    writeFileAtomic(out, JSON.stringify(f, null, 1) + '\n');
    await emit({ kernels: 'done', outputs: f.kernels.length, adapter: f.adapter.name, out });
  },
};

const compare: Command = {
  summary:
    'compare two kernel fingerprints: identical or not, and the kernels whose outputs differ with both ULP ' +
    'distances (markdown report on stderr, summary as a JSON line)',
  positionals: { value: 'A.json B.json', help: 'two fingerprints written by `repro kernels`', min: 2, max: 2 },
  options: {
    out: { type: 'string', value: 'REPORT.md', help: 'also write the markdown there and the JSON beside it (.json)' },
  },
  async run(args) {
    const [pa, pb] = args.positionals;
    const read = (p: string) => checkFingerprint(parseJson(readInput(p, 'fingerprint').toString('utf8'), p), p);
    const c = compareKernels(read(pa), read(pb), [pa, pb]);
    const report = kernelReport(c);
    const out = args.optStr('out');
    if (out) {
      const json = out.replace(/\.md$/, '') + '.json';
      writeFileAtomic(out, report);
      writeFileAtomic(json, JSON.stringify(c, null, 1) + '\n');
    }
    process.stderr.write(report);
    await emit({ identical: c.identical, differing: c.differing.map((d) => d.name), report: out ?? null });
  },
};

export const repro: Command = {
  summary: 'reproducibility across adapters: kernel fingerprints and their comparison',
  subcommands: { kernels, compare },
  async run() {
    throw new Error('repro needs a subcommand (`help repro` lists them)');
  },
};
