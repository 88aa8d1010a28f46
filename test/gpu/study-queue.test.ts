// A study through the queue (harness/queue) with a real redis-server and real worker processes, on
// lavapipe: the edge study at tiny scale, its RL runs made one by --set (4 runs: a base, its
// evaluation, RL from it, the RL model's evaluation; the base feeds two runs, so the flow's DAG
// handling is used). Two workers give the results of the in-process run. A worker SIGKILLed mid-RL
// loses nothing: its stalled job goes to another worker, which resumes the run from its checkpoint;
// and when the study's process and Redis are gone too, the restarted study re-runs nothing finished.
// Every way ends with the results of the in-process run.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVENANCE_LOG } from '../../ts/stage/rundir.js';
import { buildCli, CLI, ROOT } from '../util/fault.js';
import { startRedis, type TestRedis } from '../util/redis.js';

const SET = [
  'pretrain.model=tiny,pretrain.seq_len=64,pretrain.tokens=512,pretrain.checkpoint_interval=1',
  'pretrain.eval_ops=[2],pretrain.eval_per_op=1,pretrain.eval_max_new_tokens=4',
  'rl.ops=[2,3],rl.max_prompt_length=100,rl.max_completion_length=8', // one RL run (max_steps 2, a checkpoint each)
  'eval.ops=[2],eval.per_op=1,eval.n=2,eval.max_new_tokens=8',
].join(',');
const STUDY = ['study', 'edge', '--scale', 'tiny', '--set', SET];
/** Short job locks: a killed worker's run is taken back within 1.5 x this many seconds. */
const LOCK_SECONDS = '4';

interface Proc {
  p: ChildProcess;
  stderr: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running: Proc[] = [];

function start(args: string[], env: Record<string, string> = {}): Proc {
  const p = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, ENGINE_KILL_AT: '', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  p.stderr!.on('data', (d) => (err += d));
  const proc = {
    p,
    stderr: () => err,
    exit: new Promise<Proc['exit'] extends Promise<infer T> ? T : never>((r) =>
      p.on('exit', (code, signal) => r({ code, signal })),
    ),
  };
  running.push(proc);
  return proc;
}

async function finished(proc: Proc): Promise<void> {
  const { code, signal } = await proc.exit;
  expect({ code, signal }, proc.stderr()).toEqual({ code: 0, signal: null });
}

async function stop(...procs: Proc[]): Promise<void> {
  for (const w of procs) if (w.p.exitCode === null && w.p.signalCode === null) w.p.kill('SIGKILL');
  await Promise.all(procs.map((w) => w.exit));
}

let redis: TestRedis;
let tmp: string;
const worker = (store: string, env?: Record<string, string>) =>
  start(['worker', '--queue', redis.url, '--store', store, '--lock-seconds', LOCK_SECONDS], env);
const queued = (store: string) => start([...STUDY, '--queue', redis.url, '--store', store]);

/** What must not depend on where and how the runs ran: each run's done.json but its time, its last weights, the report. */
function results(dir: string): Record<string, string> {
  const out: Record<string, string> = { report: readFileSync(join(dir, 'report.json'), 'utf8') };
  for (const run of readdirSync(join(dir, 'runs')).sort()) {
    const r = join(dir, 'runs', run);
    const { finished: _t, ...done } = JSON.parse(readFileSync(join(r, 'done.json'), 'utf8')) as { finished: string };
    out[`${run}/done.json`] = JSON.stringify(done);
    const latest = join(r, 'checkpoints', 'latest');
    if (existsSync(latest)) {
      const weights = join(r, 'checkpoints', readFileSync(latest, 'utf8').trim(), 'model.safetensors');
      out[`${run}/model`] = readFileSync(weights).toString('base64');
    }
  }
  return out;
}

// The step each (re)start of a run began from: its provenance log's start lines (the log also holds
// the kernel-choice lines, which carry no fromStep).
const starts = (dir: string, run: string) =>
  readFileSync(join(dir, 'runs', run, PROVENANCE_LOG), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => (JSON.parse(l) as { fromStep?: number }).fromStep)
    .filter((step) => step !== undefined);

describe('a study through BullMQ workers', () => {
  let reference: Record<string, string>;
  beforeAll(async () => {
    buildCli();
    redis = await startRedis();
    tmp = mkdtempSync(join(tmpdir(), 'study-queue-'));
    await finished(start([...STUDY, '--out', join(tmp, 'in-process')]));
    reference = results(join(tmp, 'in-process'));
  });
  afterAll(async () => {
    await stop(...running);
    await redis?.stop();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('through two worker processes gives the results of the in-process run', async () => {
    const store = join(tmp, 'two');
    const workers = [worker(store), worker(store)];
    await finished(queued(store));
    await stop(...workers);
    expect(Object.keys(reference)).toHaveLength(1 + 4 + 2); // the report, 4 runs, 2 trained models
    expect(results(store)).toEqual(reference);
    const ran = workers.flatMap((w) => w.stderr().match(/^\S+: started on/gm) ?? []);
    expect(ran).toHaveLength(4);
  });

  /** A store where a worker was SIGKILLed after RL's 2nd step, before its checkpoint: pretraining is finished. */
  async function killedMidRl(store: string): Promise<{ study: Proc; runs: { pre: string; rl: string } }> {
    const study = queued(store);
    const doomed = worker(store, { ENGINE_KILL_AT: 'rl-step:2' });
    expect((await doomed.exit).signal, doomed.stderr()).toBe('SIGKILL');
    const runs = readdirSync(join(store, 'runs'));
    const run = (kind: string) => runs.find((r) => r.startsWith(`${kind}-`))!;
    expect(existsSync(join(store, 'runs', run('rl'), 'done.json'))).toBe(false);
    expect(existsSync(join(store, 'runs', run('pretrain'), 'done.json'))).toBe(true);
    return { study, runs: { pre: run('pretrain'), rl: run('rl') } };
  }

  it('loses nothing when a worker is SIGKILLed mid-run: another takes the stalled job and resumes the run', async () => {
    const store = join(tmp, 'stalled');
    const { study, runs } = await killedMidRl(store);
    const rescuer = worker(store);
    await finished(study);
    await stop(rescuer);
    expect(results(store)).toEqual(reference);
    expect(starts(store, runs.rl)).toEqual([0, 1]); // resumed from its step-1 checkpoint
  });

  it('re-runs nothing finished when the study, its worker and Redis are all restarted', async () => {
    const store = join(tmp, 'restarted');
    const { study, runs } = await killedMidRl(store);
    await stop(study);
    await redis.stop(); // the queue is lost (no persistence): only the store says what is finished
    redis = await startRedis();
    const base = readFileSync(join(store, 'runs', runs.pre, 'done.json'), 'utf8');
    const workers = [worker(store), worker(store)];
    await finished(queued(store));
    await stop(...workers);
    expect(results(store)).toEqual(reference);
    expect(readFileSync(join(store, 'runs', runs.pre, 'done.json'), 'utf8')).toBe(base);
    expect(starts(store, runs.pre)).toEqual([0]); // trained once
    expect(starts(store, runs.rl)).toEqual([0, 1]);
  });
});
