import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../harness/cli/dispatch.js';
import { generateMany } from '../../ts/data/generator.js';
import { recountOps } from './generator-text.js';

/** Runs `data ...` and returns the JSON lines it printed on stdout. */
async function run(argv: string[]): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out.push(String(chunk));
    return true;
  });
  try {
    await runCli(['data', ...argv]);
  } finally {
    spy.mockRestore();
  }
  return out
    .join('')
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

afterEach(() => vi.restoreAllMocks());

describe('data sample', () => {
  it('prints one JSON row per problem with the genuine fields plus id, equal to generateMany', async () => {
    const rows = await run([
      'sample',
      '--op',
      '6',
      '--template',
      'movie_festival_awards',
      '--mode',
      'reverse',
      '--count',
      '3',
      '--seed',
      '9',
    ]);
    expect(rows.length).toBe(3);
    for (const r of rows) {
      expect(Object.keys(r)).toEqual(['problem', 'question', 'solution', 'answer', 'op', 'template', 'mode', 'id']);
      expect(recountOps(r.solution as string)).toBe(6);
    }
    expect(rows).toEqual(
      await generateMany({ seed: 9, op: 6, template: 'movie_festival_awards', mode: 'reverse', count: 3 }),
    );
  });

  it('continues the same stream across its internal batches', async () => {
    const rows = await run(['sample', '--op', '2', '--count', '1002', '--seed', '4']);
    expect(rows.length).toBe(1002);
    const tail = await generateMany({
      seed: 4,
      op: 2,
      template: 'crazy_zootopia',
      mode: 'forward',
      start: 999,
      count: 3,
    });
    expect(rows.slice(999)).toEqual(tail);
  });

  it.each([
    [['sample'], /missing option --op/],
    [['sample', '--op', '40'], /--op must be in 2\.\.30, got 40/],
    [['sample', '--op', '3', '--mode', 'backward'], /--mode must be one of forward, reverse, got 'backward'/],
    [['sample', '--op', '3', '--template', 'pirates'], /--template must be one of/],
    [['sample', '--op', '3', '--cuont', '2'], /unknown option --cuont/],
    [['sampel', '--op', '3'], /unknown data subcommand 'sampel'/],
  ])('%j is refused with a clear message', async (argv, msg) => {
    await expect(run(argv)).rejects.toThrow(msg);
  });
});
