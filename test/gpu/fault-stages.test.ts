// The bad-input and fault suite for the commands that reach the GPU before they fail (the training
// stages, and an evaluation that fails only when it writes): another stage's run directory or a
// dataset where a run directory or a checkpoint belongs, a damaged checkpoint to resume or start
// from, a read-only run directory, a disk that fills while a checkpoint or results file is written,
// and two processes on one run directory or one evaluation's results file. Each is refused with one `error:` line and a non-zero
// exit, and leaves the good files byte-identical. The rest of the suite: test/unit/fault-cli.test.ts.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, copyUnder, CLI, expectRefused, flipByte, runCli, snapshot, truncateHalf } from '../util/fault.js';

// A 2-step pre-training run of the tiny model: the run directory, its dataset and checkpoint.
const config = {
  stage: 'pretrain',
  model: 'tiny',
  mixture: 'uniform',
  tokens: 2 * 2 * 32,
  seq_len: 32,
  batch_size: 2,
  learning_rate: 3e-3,
  min_lr: 3e-4,
  warmup: 0.1,
  eval_ops: [2],
  eval_per_op: 1,
  eval_max_new_tokens: 4,
  seed: 5,
};
let tmp = '',
  cfgFile = '',
  run = '',
  ckpt = '',
  good = '';

beforeAll(async () => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'fault-stages-'));
  cfgFile = join(tmp, 'run.json');
  writeFileSync(cfgFile, JSON.stringify(config));
  run = join(tmp, 'pre');
  const r = await runCli(['pretrain', '--out', run, '--config', cfgFile], { cwd: tmp });
  expect(r.code, r.stderr).toBe(0);
  ckpt = join(run, 'checkpoints', 'step-00000002');
  good = join(tmp, 'good.json');
  writeFileSync(good, '{"a good": "file"}\n');
}, 300_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const copy = (path: string) => copyUnder(tmp, path);

/**
 * Runs the CLI and checks the refusal (expectRefused), that `keep` stays byte-identical and that no
 * temporary file is left beside it. `env` sets ENGINE_IO_FAULT, which fails the write at the end.
 */
async function refused(
  args: string[],
  error: RegExp,
  keep: string[] = [],
  env?: Record<string, string>,
): Promise<void> {
  const before = keep.map((p) => snapshot(p));
  expectRefused(await runCli(args, { cwd: tmp, env }), error, {
    afterWork: env?.ENGINE_IO_FAULT?.startsWith('ENOSPC'),
  });
  keep.forEach((p, i) => {
    expect(snapshot(p), `${p} changed`).toEqual(before[i]);
    expect(
      readdirSync(dirname(p)).filter((e) => e.includes('.tmp-')),
      `temporary files beside ${p}`,
    ).toEqual([]);
  });
}

/** A one-problem, one-sample evaluation of `checkpoint`. */
const evalOf = (checkpoint: string) => [
  '--checkpoint',
  checkpoint,
  '--config',
  'cpu',
  '--ops',
  '2',
  '--per-op',
  '1',
  '--n',
  '1',
  '--max-new-tokens',
  '4',
];

/** Starts the CLI with `args`, runs `body` once the process holds `lock` (its file written whole), then kills it. */
async function whileHeld(args: string[], lock: string, body: (first: ChildProcess) => Promise<void>): Promise<void> {
  const first = spawn(process.execPath, [CLI, ...args], { cwd: tmp, stdio: 'ignore' });
  try {
    while (!existsSync(lock) || !readFileSync(lock, 'utf8').endsWith('\n')) {
      expect(first.exitCode, 'the first process ended early').toBeNull();
      await new Promise((r) => setTimeout(r, 50));
    }
    await body(first);
    expect(first.exitCode, 'the first process was disturbed').toBeNull();
  } finally {
    first.kill('SIGKILL');
  }
  if (first.exitCode === null && first.signalCode === null) await new Promise((r) => first.once('exit', r));
}

describe('bad input and faults at the training stages', () => {
  it("refuses another stage's run directory, a dataset, and a run directory where a checkpoint belongs", async () => {
    const data = join(run, 'data');
    await refused(
      ['rl', '--out', run, '--init', ckpt],
      /is the run directory of another stage \(pre\/mid-training: run\.json\); give this stage its own --out/,
      [run],
    );
    await refused(
      ['pretrain', '--out', data, '--config', cfgFile],
      /is not a run directory \(it holds .*\); give a new or empty --out/,
      [data],
    );
    const given = /is not a checkpoint but a run directory .*; give one of its checkpoints, e\.g\. .*step-00000002/;
    await refused(['rl', '--out', join(tmp, 'rl1'), '--init', run], given);
    await refused(
      ['midtrain', '--out', join(tmp, 'mid2'), '--init', data],
      /is not a checkpoint but a dataset directory .*; give a checkpoint directory/,
    );
  });

  it('refuses to resume from or start at a damaged checkpoint, and leaves the run as it was', async () => {
    const damaged = copy(run);
    flipByte(join(damaged, 'checkpoints', 'step-00000002', 'model.safetensors'), 0.9);
    const corrupt =
      /model\.safetensors is corrupt \(sha256 differs from trainer_state\.json\); restore it or resume from an earlier checkpoint/;
    await refused(['pretrain', '--out', damaged, '--config', cfgFile], corrupt, [damaged]);
    await refused(
      ['midtrain', '--out', join(tmp, 'mid3'), '--init', join(damaged, 'checkpoints', 'step-00000002')],
      corrupt,
    );
    const cut = copy(ckpt);
    truncateHalf(join(cut, 'trainer_state.json'));
    await refused(
      ['rl', '--out', join(tmp, 'rl2'), '--init', cut],
      /trainer_state\.json is not valid JSON \(.*\); restore it or use an earlier checkpoint/,
    );
  });

  it('refuses a read-only run directory, and keeps the checkpoint whole when the disk fills while saving', async () => {
    const ro = copy(run);
    await refused(
      ['pretrain', '--out', ro, '--config', cfgFile],
      /cannot write .*run\.lock: the file system is read-only \(EROFS\)/,
      [ro],
      { ENGINE_IO_FAULT: 'EROFS' },
    );
    // The run again from step 0 (no `latest`): its final checkpoint is written over the one already
    // there, and the disk fills.
    const full = copy(run);
    rmSync(join(full, 'checkpoints', 'latest'));
    await refused(
      ['pretrain', '--out', full, '--config', cfgFile],
      /cannot write checkpoint .*step-00000002: no space left on the device \(ENOSPC\)/,
      [join(full, 'checkpoints')],
      { ENGINE_IO_FAULT: 'ENOSPC:model.safetensors' },
    );
    expect(existsSync(join(full, 'run.lock'))).toBe(false); // released on the way out
  });

  it('a finished run started again keeps its checkpoint as it is (no rewrite a kill could interrupt)', async () => {
    const again = copy(run);
    const model = join(again, 'checkpoints', 'step-00000002', 'model.safetensors');
    const before = statSync(model, { bigint: true });
    const r = await runCli(['pretrain', '--out', again, '--config', cfgFile], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    const after = statSync(model, { bigint: true });
    expect([after.ino, after.mtimeNs]).toEqual([before.ino, before.mtimeNs]);
    expect(readFileSync(join(again, 'checkpoints', 'latest'), 'utf8').trim()).toBe('step-00000002');
  });

  it('keeps a good results file when the disk fills as the evaluation writes it; /dev/full is refused', async () => {
    const tinyEval = evalOf(ckpt);
    const kept = copy(good);
    // The fault hits the results file only (not the journal, good.json.partial.jsonl).
    const fault = { ENGINE_IO_FAULT: 'ENOSPC:good.json.tmp' };
    await refused(
      ['eval', ...tinyEval, '--out', kept],
      /cannot write .*good\.json: no space left on the device \(ENOSPC\)/,
      [kept],
      fault,
    );
    expectRefused(
      await runCli(['eval', ...tinyEval, '--out', '/dev/full'], { cwd: tmp }),
      /cannot write \/dev\/full: no space left on the device \(ENOSPC\)/,
      { afterWork: true },
    );
  });

  it('refuses a second process on a run directory while the first runs, and takes the lock over once it is killed', async () => {
    // A budget whose data takes long to build: the first process holds the lock meanwhile.
    const slowCfg = join(tmp, 'slow.json');
    writeFileSync(slowCfg, JSON.stringify({ ...config, tokens: 50_000_000 }));
    const dir = join(tmp, 'busy');
    await whileHeld(['pretrain', '--out', dir, '--config', slowCfg], join(dir, 'run.lock'), (first) =>
      refused(
        ['pretrain', '--out', dir, '--config', slowCfg],
        new RegExp(`${dir} is in use by process ${first.pid} on .*; wait for it to finish, or use another --out`),
      ),
    );
    // Its lock is stale now: the next process takes it (and here stops at its different config).
    await refused(['pretrain', '--out', dir, '--config', cfgFile], /holds a run with a different configuration/);
    expect(existsSync(join(dir, 'run.lock'))).toBe(false);
  });

  it('refuses a second evaluation into the results file of one that runs, naming it; once killed, its lock is taken over', async () => {
    const out = join(tmp, 'busy-eval.json');
    // Hundreds of samples of 64 tokens: the first process holds the lock meanwhile.
    const slow = ['eval', ...evalOf(ckpt), '--ops', '2,3', '--per-op', '200', '--n', '4', '--max-new-tokens', '64'];
    await whileHeld([...slow, '--out', out], `${out}.lock`, (first) =>
      refused(
        ['eval', ...evalOf(ckpt), '--out', out],
        new RegExp(`${out} is in use by process ${first.pid} on .*\\(${out}\\.lock\\); wait for it to finish`),
      ),
    );
    const r = await runCli(['eval', ...evalOf(ckpt), '--out', out], { cwd: tmp });
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
