// `eval` and `calibrate` end to end through the CLI on a tiny random checkpoint made here: the
// results file's structure and internal consistency (counts within n, process-correct within
// outcome-correct, aggregates equal to a re-aggregation of the per-problem counts, the model's
// sha256, prompts too long for the context skipped), the same completions from one seed (eval and
// calibrate agree sample for sample) and others from another seed.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { promptText, TEMPLATES } from '../../ts/data/generator.js';
import { Tokenizer } from '../../ts/data/tokenizer.js';
import { aggregate, type ProblemResult } from '../../ts/eval/evaluate.js';
import { generatorProblems } from '../../ts/eval/problems.js';
import type { EvalResults } from '../../ts/eval/run.js';
import { preset, validateConfig } from '../../ts/model/config.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { saveCheckpoint } from '../../ts/train/checkpoint.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/node/cli.js');
const N = 4, MAX_NEW = 10;
const OPTIONS = ['--preset', 'cpu', '--ops', '2,3', '--per-op', '4', '--n', String(N), '--max-new', String(MAX_NEW), '--batch', '6', '--seed', '7'];

async function tinyCheckpoint(dir: string, tok: Tokenizer, context: number): Promise<string> {
  const config = validateConfig({ ...preset('tiny', tok.vocabSize), max_position_embeddings: context });
  const layout = paramLayout(config);
  const params = initParams(config, layout, 3);
  // A strong </answer> embedding row: its tied-head logit swings widely, so completions stop at
  // varied lengths instead of all running to the limit.
  const embed = layout.byName.get('model.embed_tokens.weight')!.offset, stop = tok.specialId('</answer>'), D = config.hidden_size;
  for (let i = 0; i < D; i++) params[embed + stop * D + i] *= 40;
  const zeros = new Float32Array(layout.total);
  const state = { step: 5, tokensSeen: 0, dataCursor: null, rng: null, runConfig: null };
  return saveCheckpoint(join(dir, 'checkpoints'), { config, layout, params, m: zeros, v: zeros, tokenizerJson: JSON.stringify(tok.toJson()), state });
}

function cli(args: string[]): { lines: Record<string, unknown>[] } {
  const stdout = execFileSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } });
  return { lines: stdout.trim().split('\n').map((l) => JSON.parse(l)) };
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
    expect(r.checkpoint.modelSha256).toBe(createHash('sha256').update(readFileSync(join(path, 'model.safetensors'))).digest('hex'));
    expect(r.adapter.length).toBeGreaterThan(0);
    expect(r.settings).toMatchObject({ ops: [2, 3], perOp: 4, n: N, maxNew: MAX_NEW, temperature: 0.7, seed: 7 });
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
      for (let i = 1; i < r.ks.length; i++) expect(g.passOutcome[r.ks[i]]).toBeGreaterThanOrEqual(g.passOutcome[r.ks[i - 1]]);
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
});
