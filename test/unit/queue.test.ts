// The study queue (harness/queue) against a real redis-server, with a stand-in plan and executor:
// the flow respects the run graph (a DAG, not only a tree), enqueueing twice adds nothing, finished
// runs are skipped, a failed run fails the study with its own error. The real study through worker
// processes, and their kill, is test/gpu/study-queue.test.ts.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFlow, type PlanNode, type RunRef } from '../../harness/queue/flow.js';
import { parseRedisUrl } from '../../harness/queue/redis.js';
import { runQueuedStudy } from '../../harness/queue/study.js';
import { startWorker } from '../../harness/queue/worker.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { buildCli, expectRefused, runCli } from '../util/fault.js';
import { startRedis, type TestRedis } from '../util/redis.js';

type Node = PlanNode & { name: string };

const node = (kind: string, name: string, deps: PlanNode[] = []): Node => {
  const key = createHash('sha256').update(name).digest('hex');
  return { key, kind, name, deps: deps.map((d) => d.key), dir: `runs/${kind}-${key.slice(0, 12)}` };
};

const doneFile = (storeDir: string, r: RunRef) => join(storeDir, r.dir, 'done.json');

// A base shared by two RL runs, evaluations of all three, and a summary that reads both RL runs:
// `data` feeds two runs, `pre` three, and `sum` has two inputs hanging in different subtrees.
const data = node('data', 'd');
const pre = node('pretrain', 'p', [data]);
const rlA = node('rl', 'a', [pre]);
const rlB = node('rl', 'b', [pre, data]);
const evPre = node('eval', 'ep', [pre]);
const evA = node('eval', 'ea', [rlA]);
const evB = node('eval', 'eb', [rlB]);
const sum = node('summary', 's', [rlA, rlB]);
const PLAN = [data, pre, rlA, rlB, evPre, evA, evB, sum];

/** A stand-in run: its result hashes its name with its inputs' results, so order mistakes show. */
function fakeExecutor(storeDir: string, ran: string[], fail?: string) {
  const byKey = new Map(PLAN.map((n) => [n.key, n]));
  return async (n: Node) => {
    const inputs = n.deps.map((d) => {
      const file = doneFile(storeDir, byKey.get(d)!);
      if (!existsSync(file)) throw new Error(`${n.kind} ran before its input ${d} finished`);
      return (JSON.parse(readFileSync(file, 'utf8')) as { value: string }).value;
    });
    ran.push(n.key);
    await new Promise((r) => setTimeout(r, 20));
    if (n.name === fail) throw new Error('stand-in failure');
    const value = createHash('sha256')
      .update(JSON.stringify([n.name, inputs]))
      .digest('hex');
    mkdirSync(join(storeDir, n.dir), { recursive: true });
    writeFileSync(doneFile(storeDir, n), JSON.stringify({ value }));
  };
}

/** The results an in-order, in-process execution gives. */
async function inProcess(): Promise<Map<string, string>> {
  const dir = mkdtempSync(join(tmpdir(), 'queue-ref-'));
  const run = fakeExecutor(dir, []);
  for (const n of PLAN) await run(n);
  return results(dir);
}

function results(storeDir: string): Map<string, string> {
  return new Map(PLAN.map((n) => [n.key, readFileSync(doneFile(storeDir, n), 'utf8')]));
}

describe('buildFlow', () => {
  it('places every pending run once, under the first pending run that needs it, else under the root', () => {
    const pending = new Set(PLAN.filter((n) => n !== data).map((n) => n.key));
    const flow = buildFlow(PLAN, pending, { queueName: 'q', rootId: 'root', root: { study: 's', total: 8 } });
    const parent = new Map<string, string>();
    const walk = (j: { opts?: { jobId?: string }; children?: unknown[] }) => {
      for (const c of (j.children ?? []) as (typeof j)[]) {
        parent.set(c.opts!.jobId!, j.opts!.jobId!);
        walk(c);
      }
    };
    walk(flow);
    expect([...parent.keys()].sort()).toEqual([...pending].sort());
    expect(parent.get(pre.key)).toBe(rlA.key); // first of rlA, rlB, evPre
    expect(parent.get(rlA.key)).toBe(evA.key);
    expect(parent.get(rlB.key)).toBe(evB.key);
    for (const top of [evPre, evA, evB, sum]) expect(parent.get(top.key)).toBe('root');
  });

  it('refuses a cycle', () => {
    const a = node('rl', 'x');
    const b = { ...node('rl', 'y'), deps: [a.key] };
    a.deps = [b.key];
    expect(() =>
      buildFlow([a, b], new Set([a.key, b.key]), { queueName: 'q', rootId: 'r', root: { study: 's', total: 2 } }),
    ).toThrow(/cycle/);
  });
});

describe('a study through the queue (stand-in runs)', () => {
  let redis: TestRedis;
  let reference: Map<string, string>;
  beforeAll(async () => {
    redis = await startRedis();
    reference = await inProcess();
  });
  afterAll(() => redis?.stop());

  async function withWorkers<T>(
    storeDir: string,
    ran: string[],
    body: () => Promise<T>,
    o: { fail?: string; lock?: (r: RunRef) => Promise<() => Promise<void>> } = {},
  ): Promise<T> {
    const execute = fakeExecutor(storeDir, ran, o.fail);
    const spec = {
      address: parseRedisUrl(redis.url),
      storeDir,
      concurrency: 1,
      lockSeconds: 10,
      execute,
      isDone: async (r: RunRef) => existsSync(doneFile(storeDir, r)),
      lock: o.lock ?? (async () => async () => {}),
      reporter: () => callbackReporter(),
      log: () => {},
      onLostLock: (ids: string[]) => {
        throw new Error(`lost the lock of ${ids.join(', ')}`);
      },
      pollMs: 100,
    };
    const workers = [await startWorker(spec), await startWorker(spec)];
    try {
      return await body();
    } finally {
      for (const w of workers) await w.close();
    }
  }

  const study = (storeDir: string, nodes = PLAN, log?: (m: string) => void) =>
    runQueuedStudy({
      name: 'fake',
      nodes,
      storeDir,
      isDone: async (r: RunRef) => existsSync(doneFile(storeDir, r)),
      address: parseRedisUrl(redis.url),
      reporter: callbackReporter({ log }),
      pollMs: 50,
      runOpts: { backoff: { type: 'fixed', delay: 50 } },
    });

  it('runs each run once, after its inputs, with the results of an in-process run; twice adds nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const ran: string[] = [];
    // Two enqueuers of the same plan at once, two workers.
    await withWorkers(dir, ran, () => Promise.all([study(dir), study(dir)]));
    expect([...ran].sort()).toEqual(PLAN.map((n) => n.key).sort());
    expect(results(dir)).toEqual(reference);
    await withWorkers(dir, ran, () => study(dir));
    expect(ran).toHaveLength(PLAN.length);
    rmSync(dir, { recursive: true });
  });

  it('skips finished runs and runs only the others', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const ran: string[] = [];
    const first = [data, pre, rlA];
    await withWorkers(dir, ran, () => study(dir, first));
    expect(ran.sort()).toEqual(first.map((n) => n.key).sort());
    ran.length = 0;
    await withWorkers(dir, ran, () => study(dir));
    expect(ran.sort()).toEqual(
      PLAN.filter((n) => !first.includes(n))
        .map((n) => n.key)
        .sort(),
    );
    expect(results(dir)).toEqual(reference);
    rmSync(dir, { recursive: true });
  });

  it('skips a run that finished after it was queued (its job outlived its run)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const ran: string[] = [];
    let queued!: () => void;
    const enqueued = new Promise<void>((r) => (queued = r));
    const waiting = study(dir, PLAN, (m) => m.includes('queued') && queued());
    await enqueued;
    const elsewhere = fakeExecutor(dir, []);
    for (const n of [data, pre]) await elsewhere(n);
    await withWorkers(dir, ran, () => waiting);
    expect(ran.sort()).toEqual(
      PLAN.filter((n) => n !== data && n !== pre)
        .map((n) => n.key)
        .sort(),
    );
    expect(results(dir)).toEqual(reference);
    rmSync(dir, { recursive: true });
  });

  it('holds back a run whose folder another worker holds, and runs it once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const ran: string[] = [];
    let refusals = 0;
    // The base's folder is held by a worker elsewhere for its first 3 tries.
    const lock = async (r: RunRef) => {
      if (r.key === pre.key && refusals < 3) throw new Error(`held by worker ${++refusals}`);
      return async () => {};
    };
    await withWorkers(dir, ran, () => study(dir), { lock });
    expect(refusals).toBe(3);
    expect(ran.filter((k) => k === pre.key)).toHaveLength(1);
    expect(results(dir)).toEqual(reference);
    rmSync(dir, { recursive: true });
  });

  it("fails the study with the failed run's error, and runs it again when enqueued again", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'queue-'));
    const ran: string[] = [];
    await expect(withWorkers(dir, ran, () => study(dir), { fail: 'b' })).rejects.toThrow(
      /run rl-\w{12}: stand-in failure/,
    );
    ran.length = 0;
    await withWorkers(dir, ran, () => study(dir));
    expect(ran).toContain(rlB.key);
    expect(ran).not.toContain(pre.key);
    expect(results(dir)).toEqual(reference);
    rmSync(dir, { recursive: true });
  });
});

describe('without --queue', () => {
  // A module hook that refuses BullMQ and ioredis: the CLI bundle must not import them up front.
  const hook =
    'export async function resolve(s, c, next) { if (s === "bullmq" || s === "ioredis") throw new Error("imported " + s); return next(s, c); }';
  const env = {
    NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(
      `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${hook}`)});`,
    )}`,
  };

  it('the CLI loads neither BullMQ nor ioredis (and `worker` does)', async () => {
    buildCli();
    const cwd = mkdtempSync(join(tmpdir(), 'queue-cli-'));
    const plan = await runCli(['study', 'edge', '--scale', 'tiny', '--plan', '--out', 'study'], { cwd, env });
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stderr).toMatch(/study edge at scale tiny: 10 runs/);
    const served = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--store', 'study'], { cwd, env });
    expect(served.stderr).toMatch(/imported bullmq/);
    rmSync(cwd, { recursive: true });
  });
});

describe('bad queue input', () => {
  it('is refused in one line naming the fix', async () => {
    buildCli();
    const cwd = mkdtempSync(join(tmpdir(), 'queue-cli-'));
    const study = (...a: string[]) => runCli(['study', 'edge', '--scale', 'tiny', ...a], { cwd });
    expectRefused(await study('--queue', 'redis://127.0.0.1:1'), /--queue needs --store DIR/);
    expectRefused(await study('--store', 's'), /--store goes with --queue/);
    expectRefused(await study('--queue', 'redis://127.0.0.1:1', '--store', 's', '--out', 'o'), /leave out --out/);
    expectRefused(await study('--queue', 'http://127.0.0.1:1', '--store', 's'), /not a redis:\/\/ URL; give redis:/);
    // Port 1 on loopback: nothing listens there.
    const worker = await runCli(['worker', '--queue', 'redis://127.0.0.1:1', '--store', 's'], { cwd });
    expectRefused(worker, /cannot reach Redis at 127\.0\.0\.1:1 \(ECONNREFUSED\); start redis-server/);
    expect(existsSync(join(cwd, 's')), 'a refused command wrote its store').toBe(false);
    rmSync(cwd, { recursive: true });
  });
});
