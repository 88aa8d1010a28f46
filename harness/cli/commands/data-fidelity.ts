// `data fidelity`: our generator against a reference file of genuine GSM-Infinite problems, per
// (mode, op). The analysis is ts/data/fidelity.ts; this reads the file and reports.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { compare, formatTable, GATED, ourProblems, parseReference } from '../../../ts/data/fidelity.js';
import { emit, log } from '../../../ts/io/stdio.js';
import type { Command } from './types.js';

export const fidelity: Command = {
  summary:
    'compare our problems with genuine ones per (mode, op): --reference FILE (.jsonl or .jsonl.gz) ' +
    '[--per-op N (600)] [--seed S (0)] [--out FILE.json]',
  async run(args) {
    const file = args.str('reference');
    const perOp = args.int('per-op', 600);
    const seed = args.int('seed', 0);
    const out = args.optStr('out');
    args.checkAllUsed();
    if (perOp < 1 || perOp > 100_000) throw new Error(`--per-op must be in 1..100000, got ${perOp}`);
    if (seed < 0) throw new Error(`--seed must be a non-negative integer, got ${seed}`);
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
