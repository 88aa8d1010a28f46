// `data fidelity`: our generator against a reference file of genuine GSM-Infinite problems, per
// (mode, op). The analysis is ts/data/fidelity.ts; this reads the file and reports.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { compare, formatTable, GATED, ourProblems, parseReference } from '../../../ts/data/fidelity.js';
import { emit, log } from '../../../ts/io/stdio.js';
import type { Command } from '../options.js';

export const fidelity: Command = {
  summary: 'compare our problems with genuine ones per (mode, op)',
  options: {
    reference: { type: 'string', required: true, value: 'FILE', help: 'genuine problems (.jsonl or .jsonl.gz)' },
    'per-op': { type: 'int', default: 600, min: 1, max: 100_000, help: 'our problems per (mode, op)' },
    seed: { type: 'int', default: 0, min: 0, help: "the generator's seed" },
    out: { type: 'string', value: 'FILE.json', help: 'write the rows here, not to stdout' },
  },
  async run(args) {
    const file = args.str('reference');
    const perOp = args.num('per-op');
    const seed = args.num('seed');
    const out = args.optStr('out');
    if (!existsSync(file)) throw new Error(`--reference ${file} does not exist`);
    const bytes = readFileSync(file);
    // gzip by its magic bytes, whatever the name
    const text = (bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes).toString('utf8');
    const reference = parseReference(text, file);
    const rows = compare(reference, await ourProblems(reference, perOp, seed));
    log(formatTable(rows));
    if (out) {
      writeFileSync(out + '.tmp', JSON.stringify(rows, null, 1) + '\n');
      renameSync(out + '.tmp', out);
    } else for (const r of rows) emit(r);
    const bad = rows.filter((r) => r.drift.length);
    if (bad.length)
      throw new Error(
        `${bad.length} (mode, op) cells drift in ${GATED.join(' / ')}: ` +
          bad.map((r) => `${r.mode} ${r.op} (${r.drift.join(', ')})`).join('; '),
      );
  },
};
