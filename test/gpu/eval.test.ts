// `eval` and `calibrate` end to end through the CLI on a tiny random checkpoint made here: the
// results file's structure and internal consistency (counts within n, process-correct within
// outcome-correct, aggregates equal to a re-aggregation of the per-problem counts, the model's
// sha256, prompts too long for the context skipped), the same completions from one seed (eval and
// calibrate agree sample for sample) and others from another seed. Then a tiny model trained here to
// reproduce the solutions of two of four problems: its counts and pass@k must equal the verifier's
// judgments of the same samples drawn in this process, --samples must hold those samples with their
// verdicts, and --top-k / --top-p must reach the sampler.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promptText, TEMPLATES, trainingText, type Problem } from '../../ts/data/generator.js';
import { Tokenizer } from '../../ts/data/tokenizer.js';
import { REWARD_PRESETS, scoreBatch, verify } from '../../ts/data/verifier.js';
import { aggregate, type ProblemResult } from '../../ts/eval/aggregate.js';
import { passAtK } from '../../ts/eval/passk.js';
import { generatorProblems } from '../../ts/eval/problems.js';
import type { EvalResults } from '../../ts/eval/run.js';
import { preset, validateConfig } from '../../ts/model/config.js';
import { TrainingModel } from '../../ts/model/training.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { saveCheckpoint } from '../../ts/ckpt/index.js';
import { testGpu } from './setup.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { engineIdentity } from '../../ts/util/provenance.js';

const store = new NodeStore();

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/node/cli.js');
const N = 4,
  MAX_NEW = 10;
const OPTIONS = [
  '--config',
  'cpu',
  '--ops',
  '2,3',
  '--per-op',
  '4',
  '--n',
  String(N),
  '--max-new-tokens',
  String(MAX_NEW),
  '--batch',
  '6',
  '--seed',
  '7',
];

async function tinyCheckpoint(dir: string, tok: Tokenizer, context: number): Promise<string> {
  const config = validateConfig({ ...preset('tiny', tok.vocabSize), max_position_embeddings: context });
  const layout = paramLayout(config);
  const params = initParams(config, layout, 3);
  // A strong </answer> embedding row: its tied-head logit swings widely, so completions stop at
  // varied lengths instead of all running to the limit.
  const embed = layout.byName.get('model.embed_tokens.weight')!.offset,
    stop = tok.specialId('</answer>'),
    D = config.hidden_size;
  for (let i = 0; i < D; i++) params[embed + stop * D + i] *= 40;
  const zeros = new Float32Array(layout.total);
  const state = { step: 5, tokensSeen: 0, dataCursor: null, rng: null, runConfig: null };
  return saveCheckpoint(store, join(dir, 'checkpoints'), {
    config,
    layout,
    params,
    m: zeros,
    v: zeros,
    tokenizerJson: JSON.stringify(tok.toJson()),
    state,
  });
}

const HYPER = { beta1: 0.9, beta2: 0.99, eps: 1e-8, weight_decay: 0, clip: 1 };

/**
 * A tiny model trained on the completions of `solved` (loss on the completion tokens only) until
 * it reproduces them, saved as a checkpoint; returns the model (decoding `decodeBatch` at once).
 */
async function memorizingCheckpoint(
  dir: string,
  tok: Tokenizer,
  solved: Problem[],
  decodeBatch: number,
): Promise<TrainingModel> {
  const config = validateConfig({ ...preset('tiny', tok.vocabSize), max_position_embeddings: 256 });
  const seqs = solved.map((p) => ({ ids: tok.encode(trainingText(p)), prompt: tok.encode(promptText(p)).length }));
  const B = seqs.length,
    S = Math.max(...seqs.map((q) => q.ids.length)) - 1;
  const batch = { ids: new Uint32Array(B * S), targets: new Uint32Array(B * S), mask: new Float32Array(B * S) };
  seqs.forEach(({ ids, prompt }, r) => {
    for (let t = 0; t + 1 < ids.length; t++) {
      batch.ids[r * S + t] = ids[t];
      batch.targets[r * S + t] = ids[t + 1];
      batch.mask[r * S + t] = t + 1 >= prompt ? 1 : 0;
    }
  });
  const layout = paramLayout(config);
  const model = new TrainingModel(
    await testGpu(),
    config,
    { params: initParams(config, layout, 1) },
    { batch: B, seqLen: S, decodeBatch },
    HYPER,
  );
  // About 80 steps on lavapipe reach a completion loss of 0.01 nats per token.
  let loss = Infinity;
  for (let step = 1; step <= 300 && loss > 0.01; step++) loss = (await model.trainStep([batch], 1e-2, step)).loss;
  expect(loss).toBeLessThan(0.01);
  const state = { step: 1, tokensSeen: 0, dataCursor: null, rng: null, runConfig: null };
  await saveCheckpoint(store, join(dir, 'checkpoints'), {
    config,
    layout,
    ...(await model.snapshot()),
    tokenizerJson: JSON.stringify(tok.toJson()),
    state,
  });
  return model;
}

function cli(args: string[]): { lines: Record<string, unknown>[] } {
  const stdout = execFileSync(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  return {
    lines: stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
  };
}

describe('eval CLI', () => {
  it('writes a consistent results file; calibrate proposes from the same counts', async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
    const tmp = mkdtempSync(join(tmpdir(), 'eval-'));
    const fixture = JSON.parse(readFileSync(join(ROOT, 'test/unit/fixtures/tokenizer-hf.json'), 'utf8'));
    const tok = await Tokenizer.fromJson(fixture.tokenizer);
    const problems = await generatorProblems({ ops: [2, 3], perOp: 4, templates: TEMPLATES, mode: 'forward' });
    const lengths = problems.map((p) => tok.encode(promptText(p)).length);
    // A context as long as the longest prompt: that problem is skipped, the others fit.
    const context = Math.max(...lengths);
    const path = await tinyCheckpoint(tmp, tok, context);
    const adapter = process.env.ENGINE_ADAPTER ?? 'auto';
    const out = join(tmp, 'results.json');
    // The run directory resolves to its latest checkpoint.
    const { lines } = cli(['eval', '--checkpoint', tmp, '--out', out, '--adapter', adapter, ...OPTIONS]);
    const r = JSON.parse(readFileSync(out, 'utf8')) as EvalResults;

    expect(r.format).toBe('reasoning-engine-eval/1');
    expect(r.checkpoint.dir).toBe(path);
    expect(r.checkpoint.step).toBe(5);
    expect(r.checkpoint.modelSha256).toBe(
      createHash('sha256')
        .update(readFileSync(join(path, 'model.safetensors')))
        .digest('hex'),
    );
    expect(r.adapter.length).toBeGreaterThan(0);
    // What produced the results: this engine's shaders and wasm, on the adapter it names.
    const engine = await engineIdentity();
    expect(r.provenance.engine).toMatchObject({ shadersSha256: engine.shadersSha256, wasmSha256: engine.wasmSha256 });
    expect(r.provenance.adapter?.name).toBe(r.adapter);
    expect(r.settings).toMatchObject({
      ops: [2, 3],
      per_op: 4,
      n: N,
      max_new_tokens: MAX_NEW,
      temperature: 0.7,
      seed: 7,
    });
    expect(r.ks).toEqual([1, 2, 4]);

    // The same problems the generator gives, in order; skipped exactly where the prompt does not fit.
    expect(r.problems.map((p) => p.id)).toEqual(problems.map((p) => p.id));
    expect(r.problems.map((p) => p.promptTokens)).toEqual(lengths);
    const skipped = problems.filter((_, i) => lengths[i] === context).map((p) => p.id);
    expect(r.problems.filter((p) => p.skipped).map((p) => p.id)).toEqual(skipped);
    let generated = 0;
    for (const p of r.problems) {
      expect(p.n).toBe(N);
      expect(p.cProcess).toBeLessThanOrEqual(p.cOutcome);
      expect(p.cOutcome).toBeLessThanOrEqual(N);
      expect(p.truncated).toBeLessThanOrEqual(N);
      // Every completion has 1 token at least, and no more than MAX_NEW or the context allows.
      if (!p.skipped) {
        expect(p.tokens).toBeGreaterThanOrEqual(N);
        expect(p.tokens).toBeLessThanOrEqual(N * Math.min(MAX_NEW, context - p.promptTokens));
      } else expect(p.tokens).toBe(0);
      generated += p.tokens;
    }
    // Some completions stop at </answer> (see tinyCheckpoint), so lengths vary.
    expect(r.problems.some((p) => !p.skipped && p.truncated < N)).toBe(true);
    expect(r.timing.samples).toBe((problems.length - skipped.length) * N);
    expect(r.timing.tokens).toBe(generated);
    expect(r.aggregates.all.samples).toBe(r.timing.samples);
    expect(r.aggregates.all.skipped).toBe(skipped.length);
    // Aggregates are a pure function of the per-problem counts.
    expect(r.aggregates).toEqual(JSON.parse(JSON.stringify(aggregate(r.problems as ProblemResult[], r.ks))));
    for (const g of [r.aggregates.all, ...Object.values(r.aggregates.ops)]) {
      for (let i = 1; i < r.ks.length; i++)
        expect(g.passOutcome[r.ks[i]]).toBeGreaterThanOrEqual(g.passOutcome[r.ks[i - 1]]);
      for (const k of r.ks) expect(g.passProcess[k]).toBeLessThanOrEqual(g.passOutcome[k]);
    }
    expect(Object.keys(r.aggregates.splits)).toEqual(['ID']);
    // stdout: one line per group, then the summary.
    expect(lines.filter((l) => l.group === 'op').map((l) => l.name)).toEqual(['2', '3']);
    expect(lines.find((l) => l.group === 'all')).toEqual({ group: 'all', ...r.aggregates.all });
    expect(lines[lines.length - 1]).toMatchObject({ eval: 'done', results: out, samples: r.timing.samples });

    // One seed, one adapter: the same completions, so the same counts.
    const cal = join(tmp, 'calibration.json');
    cli(['calibrate', '--checkpoint', path, '--out', cal, '--adapter', adapter, ...OPTIONS]);
    const c = JSON.parse(readFileSync(cal, 'utf8'));
    expect(c.evaluation.problems).toEqual(r.problems);
    expect(c.k).toBe(N);
    expect(c.ops.map((o: { op: number }) => o.op)).toEqual([2, 3]);
    expect(c.ops[0].pass1).toBe(r.aggregates.ops['2'].passOutcome['1']);
    expect(typeof c.reason).toBe('string');
    // Another sampling seed draws other completions.
    const other = join(tmp, 'other.json');
    cli(['eval', '--checkpoint', path, '--out', other, '--adapter', adapter, ...OPTIONS, '--seed', '8']);
    const tokensOf = (x: EvalResults) => x.problems.map((p) => p.tokens);
    expect(tokensOf(JSON.parse(readFileSync(other, 'utf8')))).not.toEqual(tokensOf(r));
  }, 300_000);

  it('counts and pass@k of a checkpoint that solves some problems equal the judgments of its samples; --top-k and --top-p reach the sampler', async () => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
    const tmp = mkdtempSync(join(tmpdir(), 'eval-solved-'));
    const fixture = JSON.parse(readFileSync(join(ROOT, 'test/unit/fixtures/tokenizer-hf.json'), 'utf8'));
    const tok = await Tokenizer.fromJson(fixture.tokenizer);
    const stop = tok.specialId('</answer>');
    // Two problems per op; the model learns the first of each op.
    const problems = await generatorProblems({ ops: [2, 3], perOp: 2, templates: TEMPLATES, mode: 'forward' });
    const learnt = [0, 2];
    const n = 4,
      batch = problems.length * n,
      maxNew = 60;
    const model = await memorizingCheckpoint(
      tmp,
      tok,
      learnt.map((i) => problems[i]),
      batch,
    );
    const prompts = problems.map((p) => tok.encode(promptText(p)));
    const judge = async (outs: Int32Array[], per: number) => {
      const c = { outcome: [] as number[], process: [] as number[] };
      for (const [i, p] of problems.entries()) {
        const scores = await scoreBatch(
          p,
          outs.slice(i * per, (i + 1) * per).map((o) => tok.decode(o)),
          REWARD_PRESETS.evaluation,
        );
        c.outcome.push(scores.reduce((a, x) => a + x.outcome, 0));
        c.process.push(scores.filter((x) => x.processCorrect).length);
      }
      return c;
    };
    // Greedy: the learnt problems are solved, the others not.
    const greedy = await judge(await model.greedy(prompts, maxNew, stop), 1);
    expect(greedy).toEqual({ outcome: [1, 0, 1, 0], process: [1, 0, 1, 0] });

    const adapter = process.env.ENGINE_ADAPTER ?? 'auto';
    const evalRun = (name: string, extra: string[]) => {
      const out = join(tmp, `${name}.json`);
      const args = [
        '--config',
        'cpu',
        '--ops',
        '2,3',
        '--per-op',
        '2',
        '--n',
        String(n),
        '--max-new-tokens',
        String(maxNew),
        '--batch',
        String(batch),
        '--seed',
        '7',
      ];
      cli(['eval', '--checkpoint', tmp, '--out', out, '--adapter', adapter, ...args, ...extra]);
      return JSON.parse(readFileSync(out, 'utf8')) as EvalResults;
    };
    const expectCounts = (r: EvalResults, want: { outcome: number[]; process: number[] }, label: string) => {
      expect(r.problems.map((p) => p.id)).toEqual(problems.map((p) => p.id));
      expect({ outcome: r.problems.map((p) => p.cOutcome), process: r.problems.map((p) => p.cProcess) }, label).toEqual(
        want,
      );
      // pass@k of each op and of all: the mean over its problems of the estimator on these counts.
      const mean = (idx: number[], c: number[], k: number) =>
        idx.reduce((a, i) => a + passAtK(n, c[i], k), 0) / idx.length;
      for (const [group, idx] of [
        [r.aggregates.all, [0, 1, 2, 3]],
        [r.aggregates.ops['2'], [0, 1]],
        [r.aggregates.ops['3'], [2, 3]],
      ] as const) {
        for (const k of r.ks) {
          expect(group.passOutcome[k], `${label} outcome pass@${k}`).toBeCloseTo(mean([...idx], want.outcome, k), 12);
          expect(group.passProcess[k], `${label} process pass@${k}`).toBeCloseTo(mean([...idx], want.process, k), 12);
        }
      }
    };

    // Sampling at T = 1: the same draws as InferenceModel.sample in this process (one call of all problems
    // x n, seed 7: evaluation's first sampler call), judged here one by one.
    const sampled = await model.sample(prompts, { maxNew, stopId: stop, temperature: 1, seed: 7, group: n });
    const judged = await judge(sampled.tokens, n);
    expect(judged.outcome[0] + judged.outcome[2], 'the learnt problems are solved in some samples').toBeGreaterThan(0);
    const samplesFile = join(tmp, 't1.samples.jsonl');
    expectCounts(evalRun('t1', ['--temperature', '1', '--samples', samplesFile]), judged, 'T = 1');
    // --samples: those very completions, in problem and sample order, each with the verdict of the
    // verifier called here, and the prompt on each problem's first line.
    const [head, ...records] = readFileSync(samplesFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(head.format).toBe('reasoning-engine-samples/1');
    const texts = sampled.tokens.map((t) => tok.decode(t));
    expect(records.map((r) => [r.i, r.id, r.sample, r.text])).toEqual(
      texts.map((text, row) => [Math.floor(row / n), problems[Math.floor(row / n)].id, row % n, text]),
    );
    for (const r of records) {
      const p = problems[r.i];
      const v = await verify(p, r.text, REWARD_PRESETS.evaluation);
      const { outcome, processCorrect, nodes, extras, answer, counts } = v;
      expect(r).toMatchObject({
        op: p.op,
        template: p.template,
        outcome,
        processCorrect,
        nodes,
        extras,
        answer,
        counts,
      });
      expect(r.prompt).toBe(r.sample === 0 ? promptText(p) : undefined);
    }

    // At T = 5 the learnt solutions are rarely drawn whole; top-k 1 or a tiny top-p leaves only the
    // argmax, so every sample is the greedy one: counts n x the greedy judgments, pass@k 1/2 per op.
    const hot = await judge(
      (await model.sample(prompts, { maxNew, stopId: stop, temperature: 5, seed: 7, group: n })).tokens,
      n,
    );
    expect(
      hot.outcome.reduce((a, b) => a + b),
      'unfiltered at T = 5, few samples are right',
    ).toBeLessThan(n);
    const times = (c: number[]) => c.map((x) => x * n);
    for (const filter of [
      ['--top-k', '1'],
      ['--top-p', '0.000001'],
    ]) {
      const r = evalRun(`hot${filter[0]}`, ['--temperature', '5', ...filter]);
      expect(r.settings).toMatchObject(filter[0] === '--top-k' ? { top_k: 1, top_p: 1 } : { top_k: 0, top_p: 1e-6 });
      expectCounts(r, { outcome: times(greedy.outcome), process: times(greedy.process) }, filter.join(' '));
      expect(r.aggregates.ops['2'].passOutcome['1']).toBe(0.5);
      expect(r.aggregates.ops['3'].passProcess['4']).toBe(0.5);
    }
  }, 300_000);
});
