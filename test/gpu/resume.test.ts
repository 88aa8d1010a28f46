// Every stage killed with SIGKILL at a seeded, named point (ENGINE_KILL_AT, ts/util/killpoint.ts)
// and run again ends byte for byte where an uninterrupted run ends: pre-training, mid-training and
// RL (the whole run directory: checkpoints with weights, optimizer and trainer state, data, metrics
// apart from timing), evaluation (the results file apart from timing) and the data build (every
// file). Two kill points per stage, one of them in or next to a checkpoint write. The points are
// drawn from a fixed seed, TEST_SEED to choose another (printed with each point: it replays a failure).
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PROVENANCE_LOG } from '../../ts/stage/rundir.js';
import { rng } from '../util/random.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/node/cli.js');
const SEED = Number(process.env.TEST_SEED ?? 20261127);

/** A stage's kill point draws, integers in [lo, hi] (a stream of its own, so one stage replays alone). */
function draws(stage: number): (lo: number, hi: number) => number {
  const rand = rng(SEED * 31 + stage);
  return (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

function cli(args: string[], killAt?: string): Promise<Exit> {
  return new Promise((resolve) => {
    const env = { ...process.env, ENGINE_KILL_AT: killAt ?? '' };
    const p = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    p.stderr.on('data', (d) => (stderr += d));
    p.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

async function ok(args: string[]): Promise<Exit> {
  const r = await cli(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
}

/**
 * Runs `args` killed at each point in turn (each process resumes the one killed before it; a point
 * is made from what the killed runs left), then once more to the end; returns every run's exit.
 */
async function killChain(args: string[], points: (() => string)[], onKilled?: () => void): Promise<Exit[]> {
  const runs: Exit[] = [];
  for (const make of points) {
    const point = make();
    console.log(`resume.test TEST_SEED=${SEED}: ${args[0]} killed at ENGINE_KILL_AT=${point}`);
    const killed = await cli(args, point);
    expect(killed.signal, `${point}: ${killed.stderr}`).toBe('SIGKILL');
    runs.push(killed);
    onKilled?.();
  }
  runs.push(await ok(args));
  return runs;
}

/** A kill point at `point`'s n-th arrival, n drawn when the point is made and recorded in `ns`. */
const recorded = (ns: number[], point: string, n: () => number) => () => `${point}:${ns[ns.push(n()) - 1]}`;

const TIMING = new Set(['tokens_per_s', 'seconds']);
const untimed = (text: string) =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.stringify(JSON.parse(l), (k, v) => (TIMING.has(k) ? undefined : v)))
    .join('\n');

/** Every file under `dir` by relative path: bytes, or metric rows without timing fields. */
function tree(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      // One line per (re)start, with its time: a resumed run has more of them by design.
      if (e === PROVENANCE_LOG) continue;
      if (statSync(p).isDirectory()) walk(p);
      else
        files.set(
          relative(dir, p),
          e === 'metrics.jsonl' ? untimed(readFileSync(p, 'utf8')) : readFileSync(p).toString('base64'),
        );
    }
  };
  walk(dir);
  return files;
}

function expectSameTree(got: string, want: string): void {
  const a = tree(got),
    b = tree(want);
  expect([...a.keys()]).toEqual([...b.keys()]);
  for (const [f, bytes] of b) expect(a.get(f) === bytes, `${f} differs`).toBe(true);
}

let tmp: string;
const STEPS = 10;
const pretrain = {
  stage: 'pretrain',
  model: 'tiny',
  mixture: 'uniform',
  tokens: STEPS * 2 * 32,
  seq_len: 32,
  batch_size: 2,
  learning_rate: 3e-3,
  min_lr: 3e-4,
  warmup: 0.1,
  checkpoint_interval: 2,
  eval_ops: [2, 3],
  eval_per_op: 2,
  eval_max_new_tokens: 6,
  seed: 5,
};
const MID_STEPS = 8,
  RL_STEPS = 4;
const pretrained = () => join(tmp, 'pretrain-a', 'checkpoints', `step-${String(STEPS).padStart(8, '0')}`);

/** The step of a run directory's latest checkpoint (0: none yet). */
const latestStep = (out: string) => {
  const p = join(out, 'checkpoints', 'latest');
  return existsSync(p) ? Number(readFileSync(p, 'utf8').trim().slice('step-'.length)) : 0;
};
/** Checkpoints the uninterrupted run `a` saved after step `from`. */
const savesAfter = (a: string, from: number) =>
  readdirSync(join(a, 'checkpoints')).filter((e) => /^step-\d+$/.test(e) && Number(e.slice(5)) > from).length;
/** Files a checkpoint's temporary directory gets before its trainer_state.json. */
const CKPT_FILES = 4;

/**
 * A training stage: an uninterrupted run into `a`, and one killed at each point in turn and resumed,
 * which must end with the same run directory; a run killed after a checkpoint resumes from it.
 */
async function trainingStage(
  name: string,
  args: (out: string) => string[],
  points: ((a: string, b: string) => string)[],
): Promise<void> {
  const a = join(tmp, `${name}-a`),
    b = join(tmp, `${name}-b`);
  await ok(args(a));
  const resumeFrom: number[] = [];
  const runs = await killChain(
    args(b),
    points.map((make) => () => make(a, b)),
    () => resumeFrom.push(latestStep(b)),
  );
  for (const [i, step] of resumeFrom.entries()) {
    if (step)
      expect(runs[i + 1].stderr).toContain(`from ${join(b, 'checkpoints', `step-${String(step).padStart(8, '0')}`)}`);
  }
  expectSameTree(b, a);
}

describe('SIGKILL at a seeded point, then resume', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
    tmp = mkdtempSync(join(tmpdir(), 'resume-'));
    writeFileSync(join(tmp, 'pretrain.json'), JSON.stringify(pretrain));
    writeFileSync(
      join(tmp, 'midtrain.json'),
      JSON.stringify({ ...pretrain, stage: 'midtrain', tokens: MID_STEPS * 2 * 32, seed: 6 }),
    );
  });

  it('pre-training: inside a checkpoint write, then after an optimizer step', async () => {
    const draw = draws(1);
    await trainingStage('pretrain', (out) => ['pretrain', '--config', join(tmp, 'pretrain.json'), '--out', out], [
      // From the second checkpoint's first file: one checkpoint exists, so the resume restores the data cursor.
      (a) => `checkpoint-file:${draw(CKPT_FILES + 1, CKPT_FILES * savesAfter(a, 0))}`,
      (_a, b) => `train-step:${draw(1, STEPS - latestStep(b))}`,
    ]);
  });

  it('mid-training: after an optimizer step, then between a checkpoint directory and `latest`', async () => {
    const draw = draws(2);
    await trainingStage(
      'midtrain',
      (out) => ['midtrain', '--config', join(tmp, 'midtrain.json'), '--init', pretrained(), '--out', out],
      [() => `train-step:${draw(3, MID_STEPS)}`, (a, b) => `checkpoint-dir:${draw(1, savesAfter(a, latestStep(b)))}`],
    );
  });

  it('RL: inside a checkpoint write, then after a GRPO step', async () => {
    const draw = draws(3);
    const flags = [
      '--max-steps',
      `${RL_STEPS}`,
      '--prompts-per-step',
      '2',
      '--num-generations',
      '2',
      '--ppo-mini-batch-size',
      '2',
      '--per-device-train-batch-size',
      '4',
      '--max-completion-length',
      '8',
      '--max-prompt-length',
      '120',
      '--checkpoint-interval',
      '1',
      '--entropy-coeff',
      '0.01',
      '--learning-rate',
      '1e-3',
    ];
    await trainingStage('rl', (out) => ['rl', '--init', pretrained(), '--ops', '2-2', ...flags, '--out', out], [
      (a) => `checkpoint-file:${draw(CKPT_FILES + 1, CKPT_FILES * (savesAfter(a, 0) - 1))}`,
      (_a, b) => `rl-step:${draw(1, RL_STEPS - latestStep(b))}`,
    ]);
    const rows = readFileSync(join(tmp, 'rl-b', 'metrics.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.step)).toEqual([1, 2, 3, 4]); // none twice, none lost
    for (const r of rows) {
      for (const k of ['reward_mean', 'kl', 'entropy', 'grad_norm', 'loss', 'completion_len_mean'])
        expect(Number.isFinite(r[k]), `${k} ${r[k]}`).toBe(true);
      expect(r.entropy).toBeGreaterThan(0);
    }
  });

  it('evaluation: after a problem is judged, twice, resuming from the journal without sampling it again', async () => {
    const draw = draws(4);
    const args = (out: string) => [
      'eval',
      '--checkpoint',
      pretrained(),
      '--out',
      out,
      '--samples',
      `${out}.samples.jsonl`,
      '--config',
      'cpu',
      '--ops',
      '2,3',
      '--per-op',
      '8',
      '--n',
      '2',
      '--batch',
      '4',
      '--max-new-tokens',
      '8',
      '--seed',
      '7',
    ];
    const a = join(tmp, 'eval-a.json'),
      b = join(tmp, 'eval-b.json');
    await ok(args(a));
    const results = (f: string) =>
      JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), created: undefined, timing: undefined });
    const judged = JSON.parse(readFileSync(a, 'utf8')).problems.filter((p: { skipped?: string }) => !p.skipped).length;
    expect(judged).toBeGreaterThan(3);
    const n: number[] = [];
    const runs = await killChain(
      args(b),
      [
        recorded(n, 'eval-problem', () => draw(1, judged - 2)),
        recorded(n, 'eval-problem', () => draw(1, judged - n[0] - 1)),
      ],
      () => expect(existsSync(b)).toBe(false),
    );
    expect(results(b)).toBe(results(a));
    // Every completion once, in order, with its verdict, whatever the kills cut.
    expect(readFileSync(`${b}.samples.jsonl`, 'utf8')).toBe(readFileSync(`${a}.samples.jsonl`, 'utf8'));
    expect(runs[1].stderr).toContain(`${n[0]} problems done`);
    expect(runs[2].stderr).toContain(`${n[0] + n[1]} problems done`);
    expect(existsSync(`${b}.partial.jsonl`)).toBe(false);
  });

  it('data build: after a shard is written, twice, resuming after the last saved shard', async () => {
    const draw = draws(5);
    const tok = join(tmp, 'tokenizer.json');
    await ok(['data', 'tokenizer', '--out', tok]);
    const args = (out: string) => [
      'data',
      'build',
      '--out',
      out,
      '--tokens',
      '60000',
      '--shard-tokens',
      '6000',
      '--tokenizer',
      tok,
      '--eval-ops',
      '2-4',
      '--eval-count',
      '3',
      '--seed',
      '3',
    ];
    const a = join(tmp, 'data-a'),
      b = join(tmp, 'data-b');
    await ok(args(a));
    const shards = readdirSync(a).filter((f) => f.startsWith('train-')).length;
    expect(shards).toBeGreaterThan(5);
    // Killed after its n-th shard is written but before the build's state records it: n - 1 are kept.
    const n: number[] = [];
    const runs = await killChain(
      args(b),
      [
        recorded(n, 'data-shard', () => draw(2, shards - 2)),
        recorded(n, 'data-shard', () => draw(2, shards - n[0] + 1)),
      ],
      () => expect(existsSync(join(b, 'index.json'))).toBe(false),
    );
    expect(runs[2].stderr).toContain(`${n[0] - 1 + n[1] - 1} shards kept`);
    expectSameTree(b, a);
  });
});
