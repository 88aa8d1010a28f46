// Evaluation's bookkeeping with a scripted sampler: each problem gets a planned number of fully
// correct samples (some with a harmless extra step), samples with the right answer but a wrong step,
// and truncated samples without an answer. The verifier must classify them as planned, and pass@k
// per split, op and template must equal the mean of the estimator over exactly those problems.
import { beforeAll, describe, expect, it } from 'vitest';
import { promptText, solutionBody, TEMPLATES, type Problem } from '../../ts/data/generator.js';
import { aggregate, splitOf, type ProblemResult } from '../../ts/eval/aggregate.js';
import { evaluateProblems, type Codec, type EvaluateOptions, type Sampler } from '../../ts/eval/evaluate.js';
import type { SampleOptions } from '../../ts/model/decoder.js';
import type { Verdict } from '../../ts/data/verifier.js';
import { DEFAULT_RULE, proposeRange } from '../../ts/eval/calibrate.js';
import { passAtK } from '../../ts/eval/passk.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { datasetProblems, generatorProblems, templateQuota } from '../../ts/eval/problems.js';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { Tokenizer } from '../../ts/data/tokenizer.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rng, testSeed } from '../util/random.js';

// The tokenizer of the test fixtures (trained on the genuine samples) as the codec.
let codec: Codec;
let STOP: number;
const encodeWithStop = (text: string) => Int32Array.from([...codec.encode(text), STOP]);

/** The gold solution with its first step's value changed, answer kept: right answer, wrong process. */
function wrongStep(p: Problem): string {
  const body = solutionBody(p.solution).replace(/ = (\d+)\./, (_, v) => ` = ${Number(v) + 1}.`);
  return `${body} </solution> <answer> ${p.answer} `;
}

interface Plan {
  process: number; // fully correct samples
  outcome: number; // right answers (>= process)
}

const seed = testSeed();
const rand = rng(seed);
const n = 4;
const ks = [1, 2, 4];
let problems: Problem[];
let plans: Map<string, Plan>;

/** Plays each problem's plan in sample order: correct, then wrong step, then truncated. */
function scriptedSampler(calls: SampleOptions[], seen: Set<string>): Sampler {
  const byPrompt = new Map(problems.map((p) => [promptText(p), p]));
  const drawn = new Map<string, number>();
  return async (prompts, opts) => {
    calls.push(opts);
    const group = opts.group ?? 1;
    const tokens = prompts.flatMap((ids) => {
      const p = byPrompt.get(codec.decode(ids))!;
      seen.add(p.id);
      return Array.from({ length: group }, () => {
        const s = drawn.get(p.id) ?? 0;
        drawn.set(p.id, s + 1);
        const plan = plans.get(p.id)!;
        const body = solutionBody(p.solution);
        if (s < plan.process) {
          // Every other correct sample carries an extra step: allowed at evaluation (SPEC §6).
          const extra = s % 2 ? ' Define spare owl in Nowhere Farm as Z; so Z = 1.' : '';
          return encodeWithStop(`${body}${extra} </solution> <answer> ${p.answer} `);
        }
        if (s < plan.outcome) return encodeWithStop(wrongStep(p));
        return codec.encode(body.slice(0, body.length >> 1)); // cut off: no stop token, no answer
      });
    });
    return { tokens };
  };
}

beforeAll(async () => {
  const tok = await Tokenizer.fromJson(
    JSON.parse(readFileSync(new URL('./fixtures/tokenizer-hf.json', import.meta.url), 'utf8')).tokenizer,
  );
  codec = tok;
  STOP = tok.specialId('</answer>');
  problems = await generatorProblems({ ops: [2, 3, 11, 15], perOp: 4, templates: TEMPLATES, mode: 'forward' });
  plans = new Map(
    problems.map((p) => {
      const outcome = Math.floor(rand() * (n + 1));
      return [p.id, { outcome, process: Math.floor(rand() * (outcome + 1)) }];
    }),
  );
});

describe(`evaluate (seed ${seed})`, () => {
  it('counts outcome and process-verified correct samples exactly, and aggregates pass@k by split, op and template', async () => {
    const calls: SampleOptions[] = [];
    // Batch 9 holds two problems' 4 samples per call.
    const sampling = { n, ks, temperature: 0.7, top_k: 0, top_p: 1, max_new_tokens: 64, seed: 11, batch: 9 };
    const out = await evaluateProblems(problems, {
      sampler: scriptedSampler(calls, new Set()),
      codec,
      stopId: STOP,
      context: 1 << 20,
      sampling,
    });
    expect(out.problems.map((r) => r.id)).toEqual(problems.map((p) => p.id));
    for (const r of out.problems) {
      const plan = plans.get(r.id)!;
      expect({ o: r.cOutcome, p: r.cProcess, t: r.truncated }, r.id).toEqual({
        o: plan.outcome,
        p: plan.process,
        t: n - plan.outcome,
      });
      expect(r.n).toBe(n);
    }
    expect(out.samples).toBe(problems.length * n);
    expect(calls.map((c) => c.seed)).toEqual(calls.map((_, i) => 11 + i));
    expect(calls.length).toBe(Math.ceil(problems.length / 2));
    expect(calls.every((c) => c.group === n && c.maxNew === 64 && c.temperature === 0.7)).toBe(true);

    const agg = aggregate(out.problems, ks);
    const expectGroup = (
      name: string,
      got: { problems: number; passOutcome: Record<string, number>; passProcess: Record<string, number> },
      members: Problem[],
    ) => {
      expect(got.problems, name).toBe(members.length);
      for (const k of ks) {
        const mean = (c: (pl: Plan) => number) =>
          members.reduce((s, p) => s + passAtK(n, c(plans.get(p.id)!), k), 0) / members.length;
        expect(got.passOutcome[k], `${name} outcome pass@${k}`).toBeCloseTo(
          mean((pl) => pl.outcome),
          12,
        );
        expect(got.passProcess[k], `${name} process pass@${k}`).toBeCloseTo(
          mean((pl) => pl.process),
          12,
        );
      }
    };
    expectGroup('all', agg.all, problems);
    expect(Object.keys(agg.splits)).toEqual(['ID', 'OOD-edge', 'OOD-hard']);
    expectGroup(
      'ID',
      agg.splits.ID,
      problems.filter((p) => p.op <= 10),
    );
    expectGroup(
      'OOD-edge',
      agg.splits['OOD-edge'],
      problems.filter((p) => p.op === 11),
    );
    expectGroup(
      'OOD-hard',
      agg.splits['OOD-hard'],
      problems.filter((p) => p.op === 15),
    );
    for (const op of [2, 3, 11, 15])
      expectGroup(
        `op ${op}`,
        agg.ops[op],
        problems.filter((p) => p.op === op),
      );
    for (const t of TEMPLATES)
      expectGroup(
        t,
        agg.templates[t],
        problems.filter((p) => p.template === t),
      );
    const hacked = problems.reduce((s, p) => s + plans.get(p.id)!.outcome - plans.get(p.id)!.process, 0);
    expect(agg.all.rightAnswerWrongProcess).toBeCloseTo(hacked / (problems.length * n), 12);
  });

  it('resumed with the problems an interrupted run finished, samples only the others, with the seeds it would have', async () => {
    // Batch 9: two problems a call; batch 3: two calls a problem.
    for (const batch of [9, 3]) {
      const sampling = { n, ks, temperature: 0.7, top_k: 0, top_p: 1, max_new_tokens: 64, seed: 5, batch };
      const run = async (done?: Map<number, ProblemResult>) => {
        const calls: SampleOptions[] = [],
          seen = new Set<string>(),
          finished: number[] = [];
        const sampler = scriptedSampler(calls, seen);
        const out = await evaluateProblems(problems, {
          sampler,
          codec,
          stopId: STOP,
          context: 1 << 20,
          sampling,
          done,
          onProblem: (i) => finished.push(i),
        });
        return { out, seeds: calls.map((c) => c.seed), seen, finished };
      };
      const whole = await run();
      expect(whole.finished.length).toBe(problems.length);
      // What a run killed after its first 5 problems would have journaled.
      const done = new Map(whole.finished.slice(0, 5).map((i) => [i, structuredClone(whole.out.problems[i])]));
      const resumed = await run(done);
      expect(resumed.out.problems).toEqual(whole.out.problems);
      expect({ samples: resumed.out.samples, tokens: resumed.out.tokens }).toEqual({
        samples: whole.out.samples,
        tokens: whole.out.tokens,
      });
      expect(resumed.finished).toEqual(whole.finished.slice(5));
      // Batch 9: calls 0-1 hold problems 0-3 (skipped); call 2 holds problems 4 (done, its samples
      // dropped) and 5, and is made again. Batch 3: calls 0-9 hold problems 0-4.
      const [calls, unsampled] = batch === 9 ? [2, 4] : [10, 5];
      expect(resumed.seeds).toEqual(whole.seeds.slice(calls));
      expect(problems.slice(0, unsampled).filter((p) => resumed.seen.has(p.id))).toEqual([]);
    }
  });

  it('a prompt longer than the context is not sampled and counts as n failures', async () => {
    const lengths = problems.map((p) => codec.encode(promptText(p)).length);
    const context = Math.max(...lengths);
    const seen = new Set<string>();
    const calls: SampleOptions[] = [];
    // n = 4 over batch 3: each problem takes a call of 3 samples and one of 1.
    const sampling = { n, ks, temperature: 0.7, top_k: 0, top_p: 1, max_new_tokens: 64, seed: 1, batch: 3 };
    const out = await evaluateProblems(problems, {
      sampler: scriptedSampler(calls, seen),
      codec,
      stopId: STOP,
      context,
      sampling,
    });
    for (const r of out.problems.filter((x) => !x.skipped))
      expect({ o: r.cOutcome, p: r.cProcess }).toEqual({ o: plans.get(r.id)!.outcome, p: plans.get(r.id)!.process });
    expect(calls.map((c) => c.group)).toEqual(out.problems.filter((r) => !r.skipped).flatMap(() => [3, 1]));
    const skipped = out.problems.filter((r) => r.skipped);
    expect(skipped.length).toBe(lengths.filter((l) => l >= context).length);
    for (const r of skipped) {
      expect(seen.has(r.id)).toBe(false);
      expect(r).toMatchObject({ n, cOutcome: 0, cProcess: 0, skipped: 'prompt_too_long' });
    }
    const agg = aggregate(out.problems, ks);
    // Rates are over the samples drawn; pass@k counts the skipped problems as failures.
    expect(agg.all.samples).toBe((problems.length - skipped.length) * n);
    const truncated = out.problems.filter((r) => !r.skipped).reduce((s, r) => s + n - plans.get(r.id)!.outcome, 0);
    expect(agg.all.truncatedRate).toBeCloseTo(truncated / agg.all.samples, 12);
    const outcomes = out.problems.map((r) => (r.skipped ? 0 : plans.get(r.id)!.outcome));
    expect(agg.all.passOutcome[1]).toBeCloseTo(outcomes.reduce((s, c) => s + c / n, 0) / problems.length, 12);
    const op = skipped[0].op;
    expect(agg.ops[op].skipped).toBe(skipped.filter((r) => r.op === op).length);
    expect(agg.splits[splitOf(op)!].skipped).toBeGreaterThan(0);
  });

  it("hands every completion with the verifier's verdict (onSamples) without changing the counts", async () => {
    const sampling = { n, ks, temperature: 0.7, top_k: 0, top_p: 1, max_new_tokens: 64, seed: 3, batch: 9 };
    const run = (onSamples?: EvaluateOptions['onSamples']) =>
      evaluateProblems(problems, {
        sampler: scriptedSampler([], new Set()),
        codec,
        stopId: STOP,
        context: 1 << 20,
        sampling,
        onSamples,
      });
    const judged = new Map<number, { texts: string[]; verdicts: Verdict[] }>();
    const out = await run((i, texts, verdicts) => judged.set(i, { texts, verdicts }));
    expect(out.problems).toEqual((await run()).problems);
    expect([...judged.keys()].sort((a, b) => a - b)).toEqual(problems.map((_, i) => i));
    for (const [i, { texts, verdicts }] of judged) {
      const p = problems[i],
        plan = plans.get(p.id)!;
      expect(texts).toHaveLength(n);
      // The scripted order: correct, then right answer with a wrong first step, then cut off.
      expect(verdicts.map((v) => v.outcome)).toEqual(texts.map((_, s) => (s < plan.outcome ? 1 : 0)));
      expect(verdicts.map((v) => v.processCorrect)).toEqual(texts.map((_, s) => s < plan.process));
      for (let s = plan.process; s < plan.outcome; s++) {
        expect(texts[s]).toBe(wrongStep(p) + '</answer>');
        // The first step's value, one more than the gold's (steps that compute from it may be marked too).
        const gold = Number(/ = (\d+)\./.exec(solutionBody(p.solution))![1]);
        const first = verdicts[s].nodes[0];
        expect(first.issues, p.id).toContain('value_mismatch');
        expect(first.why.join(' '), p.id).toContain(`value ${gold + 1} where the gold has ${gold}`);
      }
    }
  });

  it("refuses k above a problem's samples", () => {
    const row: ProblemResult = {
      id: 'x',
      op: 2,
      template: 'crazy_zootopia',
      mode: 'forward',
      promptTokens: 3,
      n: 2,
      cOutcome: 1,
      cProcess: 1,
      truncated: 0,
      tokens: 4,
    };
    expect(() => aggregate([row], [1, 4])).toThrow(/fewer than k = 4/);
  });
});

describe('problem sources', () => {
  it("a dataset's eval files give the first problems of each template, split evenly; a missing file is named", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'evalsets-'));
    const spec = { ops: [2, 3], perOp: 7, templates: TEMPLATES, mode: 'forward' as const };
    expect(templateQuota(7, 3)).toEqual([3, 2, 2]);
    const all = await generatorProblems({ ...spec, perOp: 15 }); // 5 per template and op
    for (const t of TEMPLATES) {
      mkdirSync(join(dir, 'eval', t), { recursive: true });
      for (const op of spec.ops)
        writeFileSync(
          join(dir, 'eval', t, `op0${op}.jsonl`),
          all
            .filter((p) => p.op === op && p.template === t)
            .map((p) => JSON.stringify(p))
            .join('\n') + '\n',
        );
    }
    const store = new NodeStore();
    const got = await datasetProblems(store, dir, spec);
    const want = spec.ops.flatMap((op) =>
      TEMPLATES.flatMap((t, i) => all.filter((p) => p.op === op && p.template === t).slice(0, templateQuota(7, 3)[i])),
    );
    expect(got.map((p) => p.id)).toEqual(want.map((p) => p.id));
    await expect(datasetProblems(store, dir, { ...spec, ops: [4] })).rejects.toThrow(/op04\.jsonl is missing/);
    await expect(datasetProblems(store, dir, { ...spec, perOp: 18 })).rejects.toThrow(
      /holds 5 forward problems; 6 are needed/,
    );
  });
});

/** Problem rows for ops with given correct counts per problem (n samples each). */
function rowsFor(counts: Record<number, number[]>, samples: number): ProblemResult[] {
  return Object.entries(counts).flatMap(([op, cs]) =>
    cs.map((c, i) => ({
      id: `${op}-${i}`,
      op: Number(op),
      template: TEMPLATES[i % 3],
      mode: 'forward' as const,
      promptTokens: 9,
      n: samples,
      cOutcome: c,
      cProcess: Math.floor(c / 2),
      truncated: 0,
      tokens: 0,
    })),
  );
}

describe('calibrate', () => {
  const k = 8;
  it('proposes the first max_width ops of the longest run with pass@1 < 0.5 and pass@k > 0', () => {
    // ops 2-6 solved (pass@1 >= 0.5), 7-11 sometimes (pass@1 1/8..3/8), 12 never, 13 sometimes, 14 never.
    const counts: Record<number, number[]> = {};
    for (let op = 2; op <= 6; op++) counts[op] = [8, 6];
    for (let op = 7; op <= 11; op++) counts[op] = [1, op % 3];
    counts[12] = [0, 0];
    counts[13] = [1, 0];
    counts[14] = [0, 0];
    const cal = proposeRange(aggregate(rowsFor(counts, k), [1, k]), k);
    expect(cal.range).toEqual({ from: 7, to: 10 });
    expect(cal.ops.filter((o) => o.qualifies).map((o) => o.op)).toEqual([7, 8, 9, 10, 11, 13]);
    expect(cal.ops.find((o) => o.op === 8)!.pass1).toBeCloseTo((1 / 8 + 2 / 8) / 2, 12);
    expect(cal.reason).toMatch(/first 4 of the longest run/);
    // Process counts are half the outcome counts here: ops 2-6 drop to pass@1 = 7/16, and of 7-11
    // only 8 and 11 keep a correct sample.
    const byProcess = proposeRange(aggregate(rowsFor(counts, k), [1, k]), k, {
      ...DEFAULT_RULE,
      metric: 'process',
      max_width: 8,
    });
    expect(byProcess.range).toEqual({ from: 2, to: 6 });
    expect(byProcess.ops.filter((o) => o.qualifies).map((o) => o.op)).toEqual([2, 3, 4, 5, 6, 8, 11]);
  });

  it('a gap in the evaluated ops splits runs; ties go to the lower run', () => {
    const counts = { 3: [1], 4: [1], 7: [1], 8: [1] };
    expect(proposeRange(aggregate(rowsFor(counts, k), [1, k]), k).range).toEqual({ from: 3, to: 4 });
  });

  it('says why when no op qualifies', () => {
    const easy = proposeRange(aggregate(rowsFor({ 2: [8], 3: [5] }, k), [1, k]), k);
    expect(easy.range).toBeNull();
    expect(easy.reason).toMatch(/evaluate harder ops/);
    const hard = proposeRange(aggregate(rowsFor({ 2: [8], 3: [0], 4: [0] }, k), [1, k]), k);
    expect(hard.range).toBeNull();
    expect(hard.reason).toMatch(/out of its reach/);
  });
});
