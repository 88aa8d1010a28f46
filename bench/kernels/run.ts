// `npm run bench:kernels -- <matmul|rmsnorm> [--variant NN] [--shape S] [--reps N] [--seed S]`: checks each
// variant of a kernel family against the CPU reference on fresh random inputs (output poisoned with
// NaN), then times it (warm-up, then the median of N runs). One JSON line per variant on stdout, a
// table on stderr. Variant 01 (the engine's kernel) is always measured too: every row gives its
// speed relative to 01 in the same run. Exits 1 when a check fails.
import { parseArgs } from 'node:util';
import { Gpu } from '../../ts/gpu/index.js';
import { useDawn } from '../../ts/io/dawn.js';
import { emit, flushStdout } from '../../ts/io/stdio.js';
import { testSeed } from '../../test/util/random.js';
import { families } from './families.js';
import { check, prepare, release, time } from './harness.js';

const USAGE =
  `usage: npm run bench:kernels -- <${Object.keys(families).join('|')}> ` +
  '[--variant NN] [--shape S] [--reps 10] [--seed S]';

function fail(message: string): never {
  process.stderr.write(`${message}\n${USAGE}\n`);
  process.exit(2);
}

let args;
try {
  args = parseArgs({
    allowPositionals: true,
    options: {
      variant: { type: 'string' },
      shape: { type: 'string' },
      reps: { type: 'string', default: '10' },
      seed: { type: 'string' },
    },
  });
} catch (e) {
  fail((e as Error).message);
}
const [name, ...extra] = args.positionals;
const family = families[name];
if (!family || extra.length) {
  fail(name ? `unknown kernel family '${[name, ...extra].join(' ')}'` : 'name a kernel family');
}
const reps = Number(args.values.reps);
if (!Number.isInteger(reps) || reps < 1) fail(`--reps ${args.values.reps} must be a positive integer`);
const seed = args.values.seed === undefined ? testSeed() : Number(args.values.seed);
if (!Number.isInteger(seed) || seed < 0) fail(`--seed ${args.values.seed} must be a non-negative integer`);
let shape;
try {
  shape = args.values.shape === undefined ? family.defaultShape : family.parseShape(args.values.shape);
} catch (e) {
  fail((e as Error).message);
}
const ids = family.variants.map((v) => v.id);
const wanted = args.values.variant?.padStart(2, '0'); // --variant 3 means 03
if (wanted !== undefined && !ids.includes(wanted)) {
  fail(`${name} has no variant '${args.values.variant}'; it has ${ids.join(', ')}`);
}
// 01 first: the others are compared with it.
const chosen = family.variants
  .filter((v) => v.id === '01' || wanted === undefined || v.id === wanted)
  .sort((a, b) => (a.id === '01' ? -1 : b.id === '01' ? 1 : a.id.localeCompare(b.id)));

const work = family.work(shape);
const [amount, unit, key] = 'flops' in work ? [work.flops, 'GFLOP/s', 'gflops'] : [work.bytes, 'GB/s', 'gbytes_per_s'];

useDawn();
const gpu = await Gpu.create();
const shapeText = family.formatShape(shape);
process.stderr.write(`${name} ${shapeText} (${family.shapeSyntax}), seed ${seed}, median of ${reps} runs\n`);
/** One line of the table: id, variant, check, ms, rate, vs 01. */
const tableRow = (c: string[]) =>
  process.stderr.write(
    `${c[0].padEnd(4)}${c[1].padEnd(58)}${c[2].padEnd(8)}${c[3].padStart(10)}${c[4].padStart(10)}${c[5].padStart(8)}\n`,
  );
tableRow(['id', 'variant', 'check', 'ms', unit, 'vs 01']);
let ms01: number | undefined;
let failed = false;
for (const v of chosen) {
  const row: Record<string, unknown> = {
    bench: 'kernels',
    family: name,
    variant: v.id,
    name: v.name,
    shape: shapeText,
    adapter: gpu.adapterName,
    seed,
  };
  const refused = v.refuses?.(shape);
  let cells: string[];
  if (refused) {
    Object.assign(row, { check: 'skipped', reason: refused });
    cells = ['skip', '', '', ''];
  } else {
    const p = prepare(gpu, family, v, shape, seed);
    const c = await check(gpu, p);
    Object.assign(row, { check: c.ok ? 'ok' : 'failed', worst_error_ratio: c.worst });
    if (c.detail) row.detail = c.detail;
    if (c.ok) {
      const ms = await time(gpu, p, reps);
      if (v.id === '01') ms01 = ms;
      const rate = amount / ms / 1e6;
      const vs01 = ms01 === undefined ? undefined : ms01 / ms;
      Object.assign(row, { median_ms: ms, [key]: rate, speedup_vs_01: vs01 });
      cells = ['ok', ms.toFixed(3), rate.toFixed(2), vs01 === undefined ? '' : `${vs01.toFixed(2)}x`];
    } else {
      failed = true;
      cells = ['FAILED', '', '', ''];
    }
    release(p);
  }
  tableRow([v.id, v.name, ...cells]);
  if (row.detail || row.reason) process.stderr.write(`    ${row.detail ?? row.reason}\n`);
  await emit(row);
}
await flushStdout();
process.exit(failed ? 1 : 0);
