// A run directory for the site's tests, made here rather than by training: three evaluations (base,
// mid-trained, RL) with per-problem counts drawn from a fixed seed, the metrics of a pre-training and
// an RL run, and a samples file whose outputs are the gold solutions of two problems, then the same
// with the last step's value changed, then with an extra step: the verifier judges them here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { solutionBody, TEMPLATES, type Problem } from '../../ts/data/generator.js';
import { loadVerifier, REWARD_PRESETS } from '../../ts/data/verifier.js';
import { aggregate, type ProblemResult } from '../../ts/eval/aggregate.js';
import { generatorProblems } from '../../ts/eval/problems.js';
import type { EvalResults } from '../../ts/eval/run.js';
import { sampleLines, sampleRecords, SAMPLES_FORMAT } from '../../ts/eval/samples.js';
import { provenance } from '../../ts/util/provenance.js';
import { rng } from '../util/random.js';

export const MODELS = ['base', 'midtrain', 'rl'];
export const OPS = [2, 4, 6, 8, 10, 11, 13, 15, 18, 20];
export const N = 8;
export const PRETRAIN_COLUMNS = ['loss', 'lr', 'grad_norm'];
export const RL_COLUMNS = ['loss', 'lr', 'reward_mean', 'kl', 'entropy', 'clip_frac_low', 'clip_frac_high'];

/** The sample outputs of a problem: the gold, the last step's value + 1, and the gold plus an extra step. */
export function corruptions(p: Problem): { texts: string[]; lastStep: string; extraStep: string } {
  const body = solutionBody(p.solution);
  const tail = ` </solution> <answer> ${p.answer} </answer>`;
  const lastStep = [...body.matchAll(/Define (.+?) as [A-Za-z];/g)].at(-1)![1];
  const wrongLast = body.replace(/= (\d+)\.$/, (_, v) => `= ${Number(v) + 1}.`);
  const used = new Set([...body.matchAll(/ as ([A-Za-z]);/g)].map((m) => m[1]));
  const letter = [...'ZYXWVU'].find((l) => !used.has(l))!;
  const extraStep = 'spare owl in Nowhere Farm';
  const extra = `${body} Define ${extraStep} as ${letter}; so ${letter} = 1.`;
  return { texts: [body + tail, wrongLast + tail, extra + tail], lastStep, extraStep };
}

function evalResults(model: number, rand: () => number, prov: EvalResults['provenance']): EvalResults {
  const problems: ProblemResult[] = OPS.flatMap((op) =>
    TEMPLATES.map((template, t) => {
      // Harder with the op, better with training; the process lags the answer.
      const p = Math.max(0, Math.min(1, 1.1 - op / 14 + 0.15 * model + 0.1 * (rand() - 0.5)));
      const cOutcome = Array.from({ length: N }, () => rand() < p).filter(Boolean).length;
      const cProcess = Math.round(cOutcome * (0.5 + 0.15 * model + 0.2 * rand()));
      return {
        id: `${op}-${t}`,
        op,
        template,
        mode: 'forward' as const,
        promptTokens: 100,
        n: N,
        cOutcome,
        cProcess,
        truncated: 0,
        tokens: 1000,
      };
    }),
  );
  const ks = [1, 2, 4, 8];
  return {
    format: 'reasoning-engine-eval/1',
    created: '2026-01-01T00:00:00.000Z',
    checkpoint: { dir: `runs/fixture/${MODELS[model]}`, modelSha256: '0'.repeat(64), step: 10 },
    adapter: 'fixture',
    provenance: prov,
    settings: {
      ops: OPS,
      per_op: TEMPLATES.length,
      templates: [...TEMPLATES],
      mode: 'forward',
      problem_seed: 1,
      n: N,
      temperature: 0.7,
      top_k: 0,
      top_p: 1,
      max_new_tokens: 256,
      seed: 1,
      batch: 64,
    },
    ks,
    problems,
    aggregates: aggregate(problems, ks),
    timing: { seconds: 1, samples: problems.length * N, tokens: 0, samplesPerSecond: 1, tokensPerSecond: 1 },
  };
}

const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r) + '\n').join('');

/** Writes the run directory at `dir`; returns the samples' problems and their outputs. */
export async function writeFixtureRun(dir: string): Promise<{ problems: Problem[] }> {
  const rand = rng(20261127);
  const prov = await provenance();
  mkdirSync(join(dir, 'pretrain'), { recursive: true });
  mkdirSync(join(dir, 'rl'), { recursive: true });
  MODELS.forEach((m, i) =>
    writeFileSync(join(dir, `eval-${m}.json`), JSON.stringify(evalResults(i, rand, prov), null, 1)),
  );
  const steps = (count: number, row: (s: number) => object) =>
    Array.from({ length: count }, (_, i) => ({ step: i + 1, ...row(i + 1) }));
  writeFileSync(
    join(dir, 'pretrain/metrics.jsonl'),
    jsonl(
      steps(40, (s) => ({ stage: 'pretrain', loss: 2 + 5 / s, lr: 4e-3 * Math.min(1, s / 5), grad_norm: 1 + 3 / s })),
    ),
  );
  writeFileSync(
    join(dir, 'rl/metrics.jsonl'),
    jsonl(
      steps(20, (s) => ({
        stage: 'rl',
        loss: 0.01 * Math.sin(s),
        lr: 2e-5,
        reward_mean: 0.2 + 0.4 * (1 - Math.exp(-s / 8)),
        kl: 1e-3 * s,
        entropy: 1.5 - 0.02 * s,
        clip_frac_low: 0.01 * (s % 3),
        clip_frac_high: 0.02 * (s % 2),
      })),
    ),
  );
  const problems = await generatorProblems({ ops: [3, 5], perOp: 1, templates: TEMPLATES, mode: 'forward' });
  const verifier = await loadVerifier();
  const records = problems.flatMap((p, i) => {
    const { texts } = corruptions(p);
    return sampleRecords(
      i,
      p,
      texts,
      texts.map((t) => verifier.verify(p, t, REWARD_PRESETS.evaluation)),
    );
  });
  const head = { format: SAMPLES_FORMAT, key: 'fixture' };
  writeFileSync(join(dir, 'samples-rl.jsonl'), jsonl([head]) + sampleLines(records));
  return { problems };
}
