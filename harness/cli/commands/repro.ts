// `repro <subcommand>`: reproducibility across adapters. `run` runs a fixed protocol through every
// stage and fingerprints it (ts/repro/protocol.ts); `kernels` fingerprints every kernel on the chosen
// adapter (ts/repro/kernels.ts); `compare` says whether fingerprints are the same bits and where they
// part (ts/repro/compare-files.ts).
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Gpu } from '../../../ts/gpu/index.js';
import { checkWritable, readInput, writeFileAtomic } from '../../../ts/io/files.js';
import { emit } from '../../../ts/io/stdio.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { compareFingerprints, fingerprintOf, type Fingerprint } from '../../../ts/repro/compare-files.js';
import { DEFAULT_KERNEL_SEED, fingerprintKernels } from '../../../ts/repro/kernels.js';
import { loadProtocol, runProtocol } from '../../../ts/repro/protocol.js';
import { parseJson } from '../../../ts/util/json.js';
import type { Command, Option } from '../options.js';

/** harness/repro/protocols: found from this module upwards (the source and the dist/node bundle alike). */
function protocolsDir(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); d !== dirname(d); d = dirname(d)) {
    const p = join(d, 'harness', 'repro', 'protocols');
    if (existsSync(p)) return p;
  }
  throw new Error('repro: harness/repro/protocols not found above the CLI; give the protocol as a file');
}

/** A protocol by name (harness/repro/protocols/NAME.json) or as a file path. */
function protocolFile(spec: string): string {
  if (/[/\\]|\.json$/.test(spec)) return spec;
  const dir = protocolsDir();
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -5));
  if (!names.includes(spec)) throw new Error(`no protocol '${spec}' in ${dir}; protocols: ${names.join(', ')}`);
  return join(dir, `${spec}.json`);
}

// The options `run` and `kernels` share.
const OUT: Option = { type: 'string', required: true, value: 'FILE', help: 'the fingerprint (JSON)' };
const ADAPTER: Option = {
  type: 'string',
  value: 'A',
  help: "'auto', 'lavapipe', 'swiftshader' or part of an adapter name",
};

const run: Command = {
  summary:
    'run a fixed protocol (pre-training, GRPO with sampling, a sampled evaluation of the tiny model) and write ' +
    'its fingerprint: per-step loss bits, per-tensor hashes at each checkpoint, sampled ids, evaluation counts',
  options: {
    out: OUT,
    protocol: {
      type: 'string',
      default: 'tiny',
      value: 'NAME|FILE',
      help: 'a protocol of harness/repro/protocols/ by name, or a protocol file',
    },
    adapter: ADAPTER,
  },
  async run(args) {
    const out = args.str('out');
    checkWritable(out);
    const file = protocolFile(args.str('protocol'));
    const protocol = await loadProtocol(readInput(file, 'protocol').toString('utf8'), file);
    const gpu = await Gpu.create({ adapter: args.optStr('adapter'), announce: true });
    const reporter = terminalReporter('repro run');
    const f = await runProtocol(gpu, protocol, { onProgress: reporter.progress, onLog: reporter.log });
    writeFileAtomic(out, JSON.stringify(f, null, 1) + '\n');
    const last = f.steps.filter((s) => s.kind === 'train').at(-1);
    await emit({
      protocol: f.protocol.name,
      sha256: f.protocol.sha256,
      adapter: f.adapter.name,
      steps: f.steps.length,
      lastLoss: last?.values.loss,
      out,
    });
  },
};

const kernels: Command = {
  summary:
    'every kernel (forward and backward) on fixed seeded inputs: output hashes and max ULP / relative error ' +
    'to the float64 reference, with the adapter and engine identity, written to --out as JSON',
  options: {
    out: OUT,
    adapter: ADAPTER,
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

/** A fingerprint file of either kind, told apart by its format. */
function readFingerprint(path: string): Fingerprint {
  return fingerprintOf(parseJson(readInput(path, 'fingerprint').toString('utf8'), path), path);
}

/** Compares two fingerprints of the same kind: the markdown report, the JSON and the summary line. */
function compareTwo(a: Fingerprint, b: Fingerprint, labels: [string, string]) {
  const r = compareFingerprints(a, b, labels);
  if (r.kind === 'kernels')
    return { ...r, summary: { identical: r.json.identical, differing: r.json.differing.map((d) => d.name) } };
  const c = r.json;
  const first = c.firstDivergence;
  return {
    ...r,
    summary: {
      identical: c.identical,
      firstDivergence: first && { stage: first.stage, step: first.step, what: first.what },
      firstTensor: c.firstTensor?.tensors[0] ?? null,
      evalAgrees: c.evalAgrees,
    },
  };
}

const compare: Command = {
  summary:
    'compare fingerprints (of `repro run` or `repro kernels`) with the first: identical or not, where they part ' +
    '(step, tensor or kernel), distances and evaluation counts (markdown report on stderr, summary as JSON lines)',
  positionals: {
    value: 'A.json B.json [...]',
    help: 'fingerprints of one kind; each after the first is compared with the first',
    min: 2,
    max: 64,
  },
  options: {
    out: { type: 'string', value: 'REPORT.md', help: 'also write the markdown there and the JSON beside it (.json)' },
  },
  async run(args) {
    const [first, ...rest] = args.positionals;
    const a = readFingerprint(first);
    const results = rest.map((p) => ({ label: p, ...compareTwo(a, readFingerprint(p), [first, p]) }));
    const report = results.map((r) => r.report).join('\n');
    const out = args.optStr('out');
    if (out) {
      const json = out.replace(/\.md$/, '') + '.json';
      writeFileAtomic(out, report);
      // Two files: the comparison itself; more: each comparison with the first.
      const value = results.length === 1 ? results[0].json : results.map((r) => r.json);
      writeFileAtomic(json, JSON.stringify(value, null, 1) + '\n');
    }
    process.stderr.write(report);
    for (const r of results) await emit({ against: r.label, ...r.summary, report: out ?? null });
  },
};

export const repro: Command = {
  summary: 'reproducibility across adapters: protocol and kernel fingerprints and their comparison',
  subcommands: { run, kernels, compare },
  async run() {
    throw new Error('repro needs a subcommand (`help repro` lists them)');
  },
};
