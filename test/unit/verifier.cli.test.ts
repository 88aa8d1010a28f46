// The `verify` CLI command: JSON lines in on stdin, one verdict per row out on stdout.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { afterEach, expect, test, vi } from 'vitest';
import { runCli } from '../../harness/cli/dispatch.js';
import { loadVerifier, REWARD_PRESETS } from '../../ts/data/verifier.js';

const rows = readFileSync(new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(60, 64)
  .map((l) => JSON.parse(l) as { problem: string; question: string; solution: string; answer: number });

const stdin = Object.getOwnPropertyDescriptor(process, 'stdin')!;

/** Runs `verify ...` with `input` on stdin; the JSON lines it printed. */
async function run(argv: string[], input: string): Promise<Record<string, unknown>[]> {
  Object.defineProperty(process, 'stdin', { value: Readable.from([input]), configurable: true });
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await runCli(['verify', ...argv]);
  } finally {
    spy.mockRestore();
    Object.defineProperty(process, 'stdin', stdin);
  }
  return out
    .join('')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

afterEach(() => vi.restoreAllMocks());

test('one verdict per row, equal to the library verdict, with the row id', async () => {
  const input = rows.map((r, i) => ({
    ...r,
    id: `p${i}`,
    output: i === 1 ? r.solution.replace(/= (\d+)\./, '= 999.') : r.solution,
  }));
  const got = await run(['--reward', 'strict'], input.map((r) => JSON.stringify(r)).join('\n') + '\n');
  const v = await loadVerifier();
  expect(got).toEqual(
    input.map((r) => ({ id: r.id, ...JSON.parse(JSON.stringify(v.verify(r, r.output, REWARD_PRESETS.strict))) })),
  );
  expect(got.map((d) => d.reward)).toEqual([1, 0, 1, 1]);
});

test('--scores-only gives counts and rewards without the per-step explanation; a bad row gets a verdict', async () => {
  const input = [
    JSON.stringify({ ...rows[0], output: rows[0].solution }),
    JSON.stringify({ solution: rows[0].solution }),
    '42',
  ];
  const got = await run(['--scores-only'], input.join('\n'));
  expect(got.map((d) => d.status)).toEqual(['ok', 'bad_input', 'bad_gold']);
  expect(got[0]).not.toHaveProperty('nodes');
  expect(got[0]).toMatchObject({ reward: 1, processCorrect: true });
});

test('a bad option or malformed JSON is refused with a clear message', async () => {
  await expect(run(['--reward', 'best'], '')).rejects.toThrow(/--reward must be one of outcome, process80/);
  await expect(run(['--rewrad', 'strict'], '')).rejects.toThrow(/unknown option/);
  await expect(run([], '{"solution": \n')).rejects.toThrow(/line 1 is not valid JSON/);
});
