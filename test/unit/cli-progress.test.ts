// Progress of long phases: Progress draws plain lines with rate and ETA off a terminal and a bar on
// one; the held-out evaluation, the data build and the data check report each phase with a total
// and counts that grow to it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDataset, checkDataset } from '../../ts/data/build.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { evaluateProblems } from '../../ts/eval/evaluate.js';
import { generateMany, promptText } from '../../ts/data/generator.js';
import { trainTokenizer } from '../../ts/data/tokenizer-train.js';
import { heldOut, modalAnswers, type TrainableModel } from '../../ts/train/heldout.js';
import { Progress, progressBars, type ProgressReport, type ProgressSink } from '../../ts/util/progress.js';

/** A sink on a clock the test sets, collecting what is written. */
function fakeSink(tty: boolean): ProgressSink & { out: string[]; t: number } {
  const sink = { out: [] as string[], t: 0, tty, write: (s: string) => void sink.out.push(s), now: () => sink.t };
  return sink;
}

describe('Progress', () => {
  it('prints plain lines with rate and ETA, at most one per interval, when not on a terminal', () => {
    const sink = fakeSink(false);
    const p = new Progress('held-out', 100, 'problems', 10, { sink });
    p.update(0);
    sink.t = 5_000;
    p.update(30); // within 10 s of the last line: not drawn
    sink.t = 20_000;
    p.update(50, 'op 3'); // 50 in 20 s: 2.5/s, 50 left: 20 s
    sink.t = 40_000;
    p.done(); // 100 in 40 s
    expect(sink.out).toEqual([
      'held-out 0.0% 0/100 problems, 0 problems/s, ETA ?\n',
      'held-out 50.0% 50/100 problems, 2.50 problems/s, ETA 20s, op 3\n',
      'held-out 100.0% 100/100 problems, 2.50 problems/s, ETA 0s\n',
    ]);
  });

  it('draws the last line once when done() follows an update to the total', () => {
    const sink = fakeSink(false);
    const p = new Progress('pretrain', 8, 'tokens', 10, { sink });
    sink.t = 2_000;
    p.update(8, 'loss 6.5');
    p.done('loss 6.5');
    expect(sink.out).toEqual(['pretrain 100.0% 8/8 tokens, 4 tokens/s, ETA 0s, loss 6.5\n']);
  });

  it('leaves out of the rate what a resumed run had done before it started', () => {
    const sink = fakeSink(false);
    const p = new Progress('pretrain', 100, 'tokens', 10, { sink, start: 60 });
    sink.t = 10_000;
    p.update(80); // 20 in 10 s: 2/s, 20 left: 10 s
    const bars = progressBars('eval', sink);
    bars({ phase: 'samples', done: 40, total: 100, unit: 'samples' }); // a resumed evaluation
    sink.t = 40_000;
    bars({ phase: 'samples', done: 55, total: 100, unit: 'samples' }); // 15 in 30 s
    expect(sink.out).toEqual([
      'pretrain 80.0% 80/100 tokens, 2 tokens/s, ETA 10s\n',
      'eval samples 40.0% 40/100 samples, 0 samples/s, ETA ?\n',
      'eval samples 55.0% 55/100 samples, 0.50 samples/s, ETA 1m30s\n',
    ]);
  });

  it('redraws one bar in place on a terminal and ends its line when done', () => {
    const sink = fakeSink(true);
    const p = new Progress('rl', 4, 'steps', 10, { sink });
    sink.t = 90_000;
    p.update(1); // 1 step in 90 s: 3 left, 4m30s
    sink.t = 360_000;
    p.done();
    expect(sink.out).toEqual([
      `\r\x1b[2K${'█'.repeat(6)}${'·'.repeat(18)} rl 25.0% 1/4 steps, 0.01 steps/s, ETA 4m30s`,
      `\r\x1b[2K${'█'.repeat(24)} rl 100.0% 4/4 steps, 0.01 steps/s, ETA 0s`,
      '\n',
    ]);
  });

  it('progressBars draws each phase under its own label, ends it at its total, ignores overshoot and empty phases', () => {
    const sink = fakeSink(false);
    const bars = progressBars('pretrain', sink);
    bars({ phase: 'held-out loss', done: 0, total: 8, unit: 'problems' });
    sink.t = 20_000;
    bars({ phase: 'held-out loss', done: 8, total: 8, unit: 'problems' });
    bars({ phase: 'held-out loss', done: 9, total: 8, unit: 'problems' });
    bars({ phase: 'eval sets', done: 0, total: 0, unit: 'files' });
    bars({ phase: 'held-out answers', done: 0, total: 6, unit: 'problems' });
    expect(sink.out).toEqual([
      'pretrain held-out loss 0.0% 0/8 problems, 0 problems/s, ETA ?\n',
      'pretrain held-out loss 100.0% 8/8 problems, 0.40 problems/s, ETA 0s\n',
      'pretrain held-out answers 0.0% 0/6 problems, 0 problems/s, ETA ?\n',
    ]);
  });
});

/** The reports of each phase, in order. */
function byPhase(reports: ProgressReport[]): Map<string, ProgressReport[]> {
  const m = new Map<string, ProgressReport[]>();
  for (const r of reports) m.set(r.phase, [...(m.get(r.phase) ?? []), r]);
  return m;
}

/** A phase's reports start at 0, never go back, keep one total and end at it. */
function expectGrowsToTotal(reports: ProgressReport[] | undefined, total: number, unit: string): void {
  expect(reports, 'the phase reported nothing').toBeDefined();
  const done = reports!.map((r) => r.done);
  expect(done[0]).toBe(0);
  expect(done.at(-1)).toBe(total);
  for (let i = 1; i < done.length; i++) expect(done[i]).toBeGreaterThanOrEqual(done[i - 1]);
  expect(new Set(reports!.map((r) => `${r.total} ${r.unit}`))).toEqual(new Set([`${total} ${unit}`]));
  expect(new Set(done).size).toBeGreaterThan(2); // something between the start and the end
}

describe('long phases report their progress', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('held-out evaluation: problems teacher-forced, then problems decoded', async () => {
    const problems = await generateMany({ seed: 5, op: 3, template: 'crazy_zootopia', mode: 'forward', count: 11 });
    const tok = await trainTokenizer(
      problems.map((p) => p.problem + p.solution),
      { vocabSize: 400 },
    );
    const model: TrainableModel = {
      decodeBatch: 3,
      trainStep: async () => ({ loss: 0, gradNorm: 0 }),
      evalLoss: async () => 1,
      snapshot: async () => ({ params: new Float32Array(), m: new Float32Array(), v: new Float32Array() }),
      greedy: async (prompts) => prompts.map(() => tok.encode(' </solution> <answer> 1 </answer>')),
    };
    const reports: ProgressReport[] = [];
    const byOp = new Map([
      [3, problems.slice(0, 5)],
      [4, problems.slice(5)],
    ]);
    await heldOut(
      model,
      tok,
      byOp,
      new Map([
        [3, 1],
        [4, 1],
      ]),
      2,
      2048,
      8,
      (r) => reports.push({ ...r }),
    );
    const phases = byPhase(reports);
    expect([...phases.keys()]).toEqual(['held-out loss', 'held-out answers']);
    expectGrowsToTotal(phases.get('held-out loss'), 11, 'problems');
    expectGrowsToTotal(phases.get('held-out answers'), 11, 'problems');
    expect(problems.every((p) => tok.encode(promptText(p)).length < 2048)).toBe(true); // all 11 judged
  });

  it('evaluation: samples drawn and judged, from 0 at the start', async () => {
    const problems = await generateMany({ seed: 8, op: 5, template: 'crazy_zootopia', mode: 'forward', count: 5 });
    const tok = await trainTokenizer(
      problems.map((p) => p.problem + p.solution),
      { vocabSize: 400 },
    );
    const stopId = tok.specialId('</answer>');
    const calls: [number, number, number | undefined][] = [];
    await evaluateProblems(problems, {
      sampler: async (prompts, opts) => ({
        tokens: prompts.flatMap(() => Array.from({ length: opts.group ?? 1 }, () => Int32Array.of(stopId))),
      }),
      codec: tok,
      stopId,
      context: 4096,
      sampling: { n: 2, batch: 4, ks: [1, 2], temperature: 1, top_k: 0, top_p: 1, max_new_tokens: 4, seed: 1 },
      onProgress: (done, total, op) => void calls.push([done, total, op]),
    });
    // 5 problems x 2 samples, 2 problems (4 samples) per sampler call.
    expect(calls).toEqual([
      [0, 10, undefined],
      [4, 10, 5],
      [8, 10, 5],
      [10, 10, 5],
    ]);
  });

  it('majority answers: problems generated', async () => {
    const reports: ProgressReport[] = [];
    await modalAnswers([2, 3], undefined, (r) => reports.push({ ...r }));
    expectGrowsToTotal(byPhase(reports).get('majority answers'), 2 * 3 * 1000, 'problems');
  });

  it('data build: eval files, then training tokens; data check: training documents', async () => {
    const problems = await generateMany({ seed: 6, op: 4, template: 'crazy_zootopia', mode: 'forward', count: 20 });
    const tok = await trainTokenizer(
      problems.map((p) => p.problem + p.solution),
      { vocabSize: 400 },
    );
    const out = mkdtempSync(join(tmpdir(), 'cli-progress-'));
    dirs.push(out);
    const reports: ProgressReport[] = [];
    const tokens = 20_000;
    const evalOpts = {
      ops: [2, 3],
      templates: ['crazy_zootopia', 'teachers_in_school'] as const,
      modes: ['forward'] as const,
      count: 2,
      seed: 9,
    };
    const onProgress = (r: ProgressReport) => void reports.push({ ...r });
    const store = new NodeStore();
    const { index } = await buildDataset(store, {
      out,
      mixture: 'uniform',
      tokens,
      seed: 3,
      tokenizer: tok,
      eval: evalOpts,
      onProgress,
    });
    const phases = byPhase(reports);
    expect([...phases.keys()]).toEqual(['eval sets', 'training shards']);
    expectGrowsToTotal(phases.get('eval sets'), 4, 'files');
    expectGrowsToTotal(phases.get('training shards'), tokens, 'tokens');

    const checked: ProgressReport[] = [];
    await checkDataset(store, out, (r) => checked.push({ ...r }));
    expectGrowsToTotal(byPhase(checked).get('training documents'), index.documents, 'documents');
  });
});
