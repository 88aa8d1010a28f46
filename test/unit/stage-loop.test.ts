// The loop every stage shares (ts/stage/loop.ts): rows logged and reported in order, periodic work
// at its cadence and at the end, a resumed run's lost rows dropped, and a finished run started
// again taking no step and rewriting nothing that runs only 'if-stepped'.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeStore } from '../../ts/io/node-store.js';
import { runLoop, type LoopSpec } from '../../ts/stage/loop.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import type { ProgressReport } from '../../ts/util/progress.js';

const store = new NodeStore();
const rowsOf = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));

function spec(log: string, steps: number, start: number, calls: string[]): LoopSpec {
  return {
    label: 'toy',
    steps,
    start,
    progress: { unit: 'units', total: steps * 10, done: start * 10 },
    log,
    killPoint: 'toy-step',
    async step(i) {
      calls.push(`step ${i}`);
      return { rows: [{ step: i + 1, value: i * i }], done: (i + 1) * 10, note: `v ${i * i}` };
    },
    periodic: [
      { every: 2, atEnd: 'always', run: async (s) => (calls.push(`eval ${s}`), [{ step: s, eval: true }]) },
      { every: 3, atEnd: 'if-stepped', atStop: true, run: async (s) => void calls.push(`save ${s}`) },
    ],
  };
}

describe('the stage loop', () => {
  it('logs and reports every row in order, with periodic work at its cadence and once at the end', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'loop-')), 'metrics.jsonl');
    const calls: string[] = [];
    const rows: object[] = [];
    const progress: ProgressReport[] = [];
    const end = await runLoop(
      spec(log, 6, 0, calls),
      store,
      callbackReporter({ row: (r) => rows.push(r), progress: (p) => progress.push(p) }),
    );
    expect(end).toEqual({ stopped: false });
    // Every 2 (eval) and 3 (save) steps but not after the last (6, a multiple of both); both after it, once.
    expect(calls).toEqual([
      'step 0',
      'step 1',
      'eval 2',
      'step 2',
      'save 3',
      'step 3',
      'eval 4',
      'step 4',
      'step 5',
      'eval 6',
      'save 6',
    ]);
    const logged = rowsOf(log);
    expect(logged).toEqual(rows);
    expect(logged.map((r) => r.step)).toEqual([1, 2, 2, 3, 4, 4, 5, 6, 6]);
    expect(progress.map((p) => p.done)).toEqual([0, 10, 20, 30, 40, 50, 60, 60]);
    expect(progress.every((p) => p.phase === 'toy' && p.total === 60 && p.unit === 'units')).toBe(true);
    expect(progress[3].note).toBe('v 4');
  });

  it('resumes at `start`: rows of later steps (lost work) are dropped, the rest kept, and no step is taken twice', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'loop-')), 'metrics.jsonl');
    const rows = (from: number, to: number) =>
      Array.from({ length: to - from + 1 }, (_, i) => JSON.stringify({ step: from + i }) + '\n').join('');
    writeFileSync(log, rows(1, 4) + '{"step": 5, "cut sh'); // checkpoint at 3; 4 and a torn 5 are lost work
    const calls: string[] = [];
    await runLoop(spec(log, 5, 3, calls), store, callbackReporter());
    expect(calls).toEqual(['step 3', 'eval 4', 'step 4', 'eval 5', 'save 5']);
    expect(rowsOf(log).map((r) => r.step)).toEqual([1, 2, 3, 4, 4, 5, 5]);
  });

  it('a finished run started again takes no step, runs what is "always" and not what is "if-stepped"', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'loop-')), 'metrics.jsonl');
    const calls: string[] = [];
    const notes: string[] = [];
    await runLoop(spec(log, 5, 5, calls), store, callbackReporter({ log: (m) => notes.push(m) }));
    expect(calls).toEqual(['eval 5']);
    expect(notes).toEqual(['resuming toy (step 5 of 5)']);
  });

  it('stopped (its signal aborted during a step), ends after that step with only the work done "atStop"', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'loop-')), 'metrics.jsonl');
    const calls: string[] = [];
    const notes: string[] = [];
    const stop = new AbortController();
    const s = spec(log, 6, 0, calls);
    const step = s.step;
    s.stop = stop.signal;
    s.step = async (i) => {
      if (i === 3) stop.abort(); // mid-step, as a page's pause button does
      return step(i);
    };
    const end = await runLoop(s, store, callbackReporter({ log: (m) => notes.push(m) }));
    // Step 4 (index 3) is finished and logged; then the save (atStop) at 4, not the eval due at 4.
    expect(calls).toEqual(['step 0', 'step 1', 'eval 2', 'step 2', 'save 3', 'step 3', 'save 4']);
    expect(end).toEqual({ stopped: true });
    expect(rowsOf(log).map((r) => r.step)).toEqual([1, 2, 2, 3, 4]);
    expect(notes).toEqual(['stopped toy after step 4 of 6']);
  });

  it('a stop during the last step changes nothing: the run ends as usual', async () => {
    const log = join(mkdtempSync(join(tmpdir(), 'loop-')), 'metrics.jsonl');
    const calls: string[] = [];
    const stop = new AbortController();
    const s = { ...spec(log, 2, 1, calls), stop: stop.signal };
    stop.abort();
    expect(await runLoop(s, store, callbackReporter())).toEqual({ stopped: false });
    expect(calls).toEqual(['step 1', 'eval 2', 'save 2']);
  });
});
