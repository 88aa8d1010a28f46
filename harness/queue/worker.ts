// A queue worker: takes the runs of queued studies whose inputs are finished, one at a time per
// GPU (--concurrency), and executes each on the shared store, holding the run folder's lock. A run
// it finds finished is skipped; one whose inputs hanging elsewhere in the flow (flow.ts) are not
// finished yet, or whose folder another live worker holds, goes back to wait.
//
// A killed worker: its job's lock (lockDuration) is no longer renewed, BullMQ's stalled-job check
// (every stalledInterval, on every live worker and on a worker as it starts) puts the job back,
// and the next worker resumes the run from its last checkpoint. A worker whose lock renewal fails
// (its event loop was blocked past lockDuration, so another worker may own the run now) stops at
// once rather than write beside the new owner.
import { hostname } from 'node:os';
import type { Job } from 'bullmq';
import type { Reporter } from '../../ts/util/reporter.js';
import type { ProgressReport } from '../../ts/util/progress.js';
import { ROOT_JOB, type PlanNode, type RunJobData, type RunRef } from './flow.js';
import { checkReachable, closeAll, loadBullmq, redisConnection, type RedisAddress } from './redis.js';
import { storeQueue } from './store-queue.js';

export interface WorkerSpec<N extends PlanNode> {
  address: RedisAddress;
  storeDir: string;
  concurrency: number;
  /** Seconds a job's lock lasts unrenewed: a killed worker's run goes to another after 1-1.5x this. */
  lockSeconds: number;
  /** Runs one node on the shared store, its done.json written last; `report` is the run's reporter. */
  execute(node: N, report: Reporter): Promise<unknown>;
  /** Whether the run's done.json is there. */
  isDone(run: RunRef): Promise<boolean>;
  /** Locks the run's folder; throws, naming the holder, while another live worker holds it. */
  lock(run: RunRef): Promise<() => Promise<void>>;
  /** A reporter for one run (bars and notes labelled with it). */
  reporter(label: string): Reporter;
  log(message: string): void;
  /** Called when a job's lock could not be renewed; the CLI exits. */
  onLostLock(jobIds: string[]): void;
  /** Milliseconds before a run held back for its inputs is looked at again. */
  pollMs?: number;
}

/** A stalled job is put back this many times (each kill of its worker is one) before it fails. */
export const MAX_STALLED = 5;

const label = (n: RunRef) => `${n.kind}-${n.key.slice(0, 12)}`;

export async function startWorker<N extends PlanNode>(spec: WorkerSpec<N>): Promise<{ close(): Promise<void> }> {
  const { Worker, Queue, DelayedError, UnrecoverableError } = await loadBullmq();
  await checkReachable(spec.address);
  const { queueName } = storeQueue(spec.storeDir);
  const opened: Parameters<typeof closeAll>[0] = [];
  const queue = new Queue(queueName, { connection: await redisConnection(spec.address, opened) });

  const processJob = async (job: Job, token?: string): Promise<unknown> => {
    if (job.name === ROOT_JOB) return { study: (job.data as { study: string }).study };
    const { node, inputs } = job.data as RunJobData<N>;
    if (await spec.isDone(node)) return { run: label(node), skipped: true };
    const later = async () => {
      await job.moveToDelayed(Date.now() + (spec.pollMs ?? 2000), token);
      return new DelayedError();
    };
    const missing = [];
    for (const d of inputs) if (!(await spec.isDone(d))) missing.push(d);
    if (missing.length) {
      for (const d of missing) {
        const dep = await queue.getJob(d.key);
        if (dep && (await dep.getState()) === 'failed') {
          throw new UnrecoverableError(`its input run ${label(d)} failed: ${dep.failedReason}`);
        }
      }
      throw await later();
    }
    let release: () => Promise<void>;
    try {
      release = await spec.lock(node);
    } catch (e) {
      // Another worker still runs it (its job was taken for stalled while it ran): wait for it.
      spec.log(`${label(node)}: ${(e as Error).message}; trying again later`);
      throw await later();
    }
    try {
      return await run(job, node);
    } finally {
      await release();
    }
  };

  const run = async (job: Job, node: N): Promise<unknown> => {
    if (await spec.isDone(node)) return { run: label(node), skipped: true }; // finished by the holder before us
    spec.log(`${label(node)}: started on ${hostname()}, pid ${process.pid}`);
    const base = spec.reporter(label(node));
    let last = 0;
    const reporter: Reporter = {
      ...base,
      progress: (r: ProgressReport) => {
        base.progress(r);
        const now = Date.now();
        if (now - last < 1000 && r.done < r.total) return;
        last = now;
        void job.updateProgress({ phase: r.phase, done: r.done, total: r.total, unit: r.unit }).catch(() => {});
      },
    };
    await spec.execute(node, reporter);
    if (!(await spec.isDone(node))) throw new Error(`${label(node)} ran but is not marked done`);
    return { run: label(node), host: hostname() };
  };

  const lockDuration = spec.lockSeconds * 1000;
  const worker = new Worker(queueName, processJob, {
    connection: await redisConnection(spec.address, opened),
    concurrency: spec.concurrency,
    lockDuration,
    stalledInterval: lockDuration / 2,
    maxStalledCount: MAX_STALLED,
  });
  worker.on('lockRenewalFailed', (ids: string[]) => spec.onLostLock(ids));
  worker.on('failed', (job, err) => {
    if (job && job.name !== ROOT_JOB) spec.log(`${label((job.data as RunJobData).node)}: failed: ${err.message}`);
  });
  worker.on('completed', (job) => {
    if (job.name !== ROOT_JOB) spec.log(`${label((job.data as RunJobData).node)}: finished`);
  });
  worker.on('error', (e) => spec.log(`queue: ${e.message}`));
  await worker.waitUntilReady();
  spec.log(`worker on queue ${queueName} (store ${spec.storeDir}), ${spec.concurrency} at a time`);
  return {
    async close() {
      await worker.close();
      await queue.close();
      await closeAll(opened);
    },
  };
}
