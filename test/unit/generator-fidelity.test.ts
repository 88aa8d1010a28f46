import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../harness/cli/dispatch.js';
import { compare, formatTable, ourProblems, parseReference, tvd, type ProblemText } from '../../ts/data/fidelity.js';

const REFERENCE = new URL('../fixtures/gsm_infinite_distribution.jsonl.gz', import.meta.url);
const referenceText = gunzipSync(readFileSync(REFERENCE)).toString('utf8');

describe('the generator against 13,049 genuine GSM-Infinite problems', () => {
  it('keeps steps, answers and operator mix within TVD 0.10 (forward 2-20) / 0.15 (reverse 2-12), 600 per op', async () => {
    const reference = parseReference(referenceText);
    expect(reference.length).toBe(13049);
    const rows = compare(reference, await ourProblems(reference, 600, 0));
    expect(rows.map((r) => `${r.mode} ${r.op}`)).toEqual([
      ...Array.from({ length: 19 }, (_, i) => `forward ${i + 2}`),
      ...Array.from({ length: 11 }, (_, i) => `reverse ${i + 2}`),
    ]);
    const drift = rows.filter((r) => r.drift.length);
    expect(drift, formatTable(rows)).toEqual([]);
  });
});

/** A forward op-4 problem: three sentences (one a distractor), 3 steps, one "+", answer 5. */
const HAND: ProblemText = {
  op: 4,
  mode: 'forward',
  problem:
    'The number of adult fox in South Zoo equals 2. The number of adult owl in South Zoo equals 3. ' +
    'The number of adult crow in Hamilton Farm equals 4. ',
  solution:
    'Define adult fox in South Zoo as a; so a = 2. Define adult owl in South Zoo as b; so b = 3. ' +
    'Define total number of adult animals in South Zoo as c; so c = a + b = 2 + 3 = 5. Answer: 5.',
};

describe('fidelity measures', () => {
  it('tvd is half the L1 distance', () => {
    expect(
      tvd(
        new Map([
          ['a', 0.5],
          ['b', 0.5],
        ]),
        new Map([
          ['a', 0.2],
          ['c', 0.8],
        ]),
      ),
    ).toBeCloseTo(0.8);
  });

  it('reads steps, answer bins, operators, sentences and distractors from the text', () => {
    const other: ProblemText = {
      ...HAND,
      problem: HAND.problem + 'The number of adult owl in Hamilton Farm equals 1. ',
      solution: HAND.solution.replace('c = a + b = 2 + 3 = 5. Answer: 5.', 'c = a * b = 2 * 3 = 6. Answer: 6.'),
    };
    const [row] = compare([HAND, HAND], [HAND, other]);
    // steps equal; answers 5 vs {5, 6}: same bin; operators {+} vs {+, *}: TVD 0.5;
    // sentences {3} vs {3, 4} and distractors {1} vs {1, 2}: TVD 0.5
    expect(row.tvd).toEqual({ steps: 0, answers: 0, opMix: 0.5, arith: 0, sentences: 0.5, distractors: 0.5 });
    expect(row.drift).toEqual(['opMix']);
    expect(row.meanAnswer).toEqual([5, 5.5]);
  });

  it('refuses a reference row it cannot read, naming the line', () => {
    expect(() => parseReference('{"op": 3, "problem": "x"}\n')).toThrow(
      /line 1 needs integer op and string problem and solution/,
    );
    expect(() => parseReference('\nnot json\n')).toThrow(/line 2 is not valid JSON/);
    expect(() => parseReference('\n')).toThrow(/has no problems/);
  });
});

describe('data fidelity', () => {
  afterEach(() => vi.restoreAllMocks());

  async function run(argv: string[]): Promise<{ rows: Record<string, unknown>[]; table: string }> {
    const out: string[] = [];
    const err: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((c) => (out.push(String(c)), true));
    vi.spyOn(process.stderr, 'write').mockImplementation((c) => (err.push(String(c)), true));
    try {
      await runCli(['data', ...argv]);
    } finally {
      vi.restoreAllMocks();
    }
    return {
      rows: out
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
      table: err.join(''),
    };
  }

  it('reads .jsonl and .jsonl.gz, prints the table and JSON rows, and fails on drift', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fidelity-'));
    // a small slice of the reference: forward op 2, as jsonl
    const slice = referenceText.split('\n').filter((l) => l.includes('"op": 2,') && l.includes('"forward"'));
    writeFileSync(join(dir, 'ref.jsonl'), slice.join('\n') + '\n');
    const { rows, table } = await run(['fidelity', '--reference', join(dir, 'ref.jsonl'), '--per-op', '600']);
    expect(rows.map((r) => [r.mode, r.op, r.nReference, r.nOurs])).toEqual([['forward', 2, 600, 600]]);
    expect(table).toMatch(/forward\s+2\s+600\s+600 .* ok\n0 of 3 gated distributions/);
    await run(['fidelity', '--reference', join(dir, 'ref.jsonl'), '--per-op', '600', '--out', join(dir, 'f.json')]);
    expect(JSON.parse(readFileSync(join(dir, 'f.json'), 'utf8'))).toEqual(rows);
    // the gzipped reference, against problems that are not op 3 at all: op 3 drifts
    const wrong = referenceText.split('\n').filter((l) => l.includes('"op": 3,') && l.includes('"forward"'));
    const fake = wrong.map((l) => JSON.stringify({ ...JSON.parse(l), solution: HAND.solution }));
    writeFileSync(join(dir, 'ref.jsonl.gz'), gzipSync(fake.join('\n')));
    await expect(run(['fidelity', '--reference', join(dir, 'ref.jsonl.gz'), '--per-op', '30'])).rejects.toThrow(
      /1 \(mode, op\) cells drift in steps \/ answers \/ opMix: forward 3 \(answers, opMix\)/,
    );
  });

  it.each([
    [['fidelity'], /missing option --reference/],
    [['fidelity', '--reference', '/nonexistent/ref.jsonl'], /--reference \/nonexistent\/ref.jsonl does not exist/],
    [['fidelity', '--reference', 'x', '--per-op', '0'], /--per-op must be in 1\.\.100000/],
  ])('%j is refused with a clear message', async (argv, msg) => {
    await expect(run(argv)).rejects.toThrow(msg);
  });
});
