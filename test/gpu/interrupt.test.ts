// Ctrl-C and SIGTERM on the CLI (harness/cli/interrupt.ts), in real child processes: the signal
// arrives mid-stage (ENGINE_KILL_AT=<point>:<n>:SIGINT makes the process send it to itself at an exact
// step, so the test does not race the run), the stage finishes its step, keeps its checkpoint or
// journal, releases its lock and exits 128 + the signal's number with the command that resumes it;
// that command then ends where an uninterrupted run ends.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, CLI, ROOT, runCli } from '../util/fault.js';

/** The CLI run from the repository, ENGINE_KILL_AT set to `killAt` (a killed process has no code). */
const cli = (args: string[], killAt = '') => runCli(args, { cwd: ROOT, env: { ENGINE_KILL_AT: killAt } });

const STEPS = 6;
const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
const latest = (out: string) => readFileSync(join(out, 'checkpoints', 'latest'), 'utf8').trim();
const stepDir = (step: number) => `step-${String(step).padStart(8, '0')}`;

let tmp = '';
beforeAll(() => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'interrupt-'));
  const cfg = {
    stage: 'pretrain',
    model: 'tiny',
    mixture: 'uniform',
    tokens: STEPS * 2 * 32,
    seq_len: 32,
    batch_size: 2,
    learning_rate: 3e-3,
    checkpoint_interval: 4, // the stop's checkpoint is one of its own
    eval_ops: [2],
    eval_per_op: 2,
    eval_max_new_tokens: 4,
    seed: 3,
  };
  writeFileSync(join(tmp, 'pretrain.json'), JSON.stringify(cfg));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const pretrain = (out: string) => ['pretrain', '--config', join(tmp, 'pretrain.json'), '--out', out];

describe('a signal mid-stage', () => {
  it('SIGINT in pre-training: checkpoint at the step it stopped, lock released, 130, and the same command finishes it', async () => {
    const a = join(tmp, 'a'),
      b = join(tmp, 'b');
    const whole = await cli(pretrain(a));
    expect(whole.code, whole.stderr).toBe(0);

    const stopped = await cli(pretrain(b), 'train-step:2:SIGINT');
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain('SIGINT: stopping after this step (Ctrl-C again to quit now)');
    const at = Number(/stopped pretrain after step (\d+) of 6/.exec(stopped.stderr)?.[1]);
    expect(at).toBeGreaterThanOrEqual(2);
    expect(at).toBeLessThan(STEPS);
    expect(latest(b)).toBe(stepDir(at));
    expect(existsSync(join(b, 'run.lock'))).toBe(false);
    expect(stopped.stderr).toContain(`to resume, run the same command again: node ${CLI} ${pretrain(b).join(' ')}`);

    const resumed = await cli(pretrain(b));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toContain(`resuming pretrain from ${join(b, 'checkpoints', stepDir(at))}`);
    expect(latest(b)).toBe(stepDir(STEPS));
    const model = (out: string) => join(out, 'checkpoints', stepDir(STEPS), 'model.safetensors');
    expect(sha256(model(b))).toBe(sha256(model(a)));
  }, 60_000);

  // That the resumed results equal an uninterrupted run's is test/gpu/resume.test.ts's (the same journal).
  it('SIGTERM in an evaluation: journal kept, 143, and the same command finishes it from there', async () => {
    const ckpt = join(tmp, 'a', 'checkpoints', stepDir(STEPS));
    const args = (out: string) => [
      'eval',
      '--checkpoint',
      ckpt,
      '--out',
      out,
      '--config',
      'cpu',
      '--ops',
      '2,3',
      '--per-op',
      '4',
      '--n',
      '2',
      '--batch',
      '4',
      '--max-new-tokens',
      '6',
    ];
    const b = join(tmp, 'eval.json');
    const stopped = await cli(args(b), 'eval-problem:1:SIGTERM');
    expect(stopped.code, stopped.stderr).toBe(143);
    expect(stopped.stderr).toContain('SIGTERM: stopping after this step');
    expect(stopped.stderr).toContain(`resume from ${b}.partial.jsonl`);
    expect(existsSync(`${b}.partial.jsonl`)).toBe(true);
    expect(existsSync(`${b}.lock`)).toBe(false);
    expect(existsSync(b)).toBe(false);

    const resumed = await cli(args(b));
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/resuming the evaluation from .*: [1-9]\d* problems done/);
    expect(existsSync(b)).toBe(true);
    expect(existsSync(`${b}.partial.jsonl`)).toBe(false);
  }, 60_000);
});
