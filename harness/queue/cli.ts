// The queue's side of the CLI: `study NAME --queue URL --store DIR` (runQueuedPlan: enqueue the
// plan, wait, hand back every run's record for the report) and `worker` (serve). Imported by those
// commands only when --queue is given, so the in-process path never loads BullMQ.
import { Gpu } from '../../ts/gpu/index.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { log } from '../../ts/io/stdio.js';
import { terminalReporter } from '../../ts/io/terminal.js';
import { executeNode, PLAN_FILE, readDone, type DoneRecord, type Plan, type PlanNode } from '../../ts/study/index.js';
import { joinPath, type RunStore } from '../../ts/store/store.js';
import type { RunRef } from './flow.js';
import { parseRedisUrl } from './redis.js';
import { runQueuedStudy } from './study.js';
import { startWorker } from './worker.js';

/**
 * The lock a worker holds while it runs a run, beside the runs (a stage refuses a run folder holding
 * files it does not know): queue-locks/<kind>-<key12>.lock under the study folder.
 */
const queueLock = (root: string, dir: string) => joinPath(root, 'queue-locks', `${dir.split('/').pop()}.lock`);

const doneIn = (store: RunStore, root: string) => async (r: RunRef) =>
  (await readDone(store, root, r.dir, r.key)) !== undefined;

/** Runs the plan on the queue's workers; every run's record, by key, once all are finished. */
export async function runQueuedPlan(
  plan: Plan,
  o: { url: string; store: RunStore; root: string },
): Promise<Map<string, DoneRecord>> {
  const address = parseRedisUrl(o.url); // a bad URL is refused before anything is written
  await o.store.write(joinPath(o.root, PLAN_FILE), JSON.stringify(plan, null, 1) + '\n');
  await runQueuedStudy({
    name: plan.study,
    nodes: plan.nodes,
    storeDir: o.root,
    address,
    isDone: doneIn(o.store, o.root),
    reporter: terminalReporter(plan.study, { rows: false }),
  });
  const records = new Map<string, DoneRecord>();
  for (const n of plan.nodes) {
    const rec = await readDone(o.store, o.root, n.dir, n.key);
    if (!rec) throw new Error(`run ${n.id} is not finished after the queue said it was; run the study again`);
    records.set(n.key, rec);
  }
  return records;
}

export interface WorkerOptions {
  url: string;
  storeDir: string;
  adapter?: string;
  concurrency: number;
  lockSeconds: number;
}

/** Serves the queue of the store until the process is stopped. */
export async function serveQueue(o: WorkerOptions): Promise<void> {
  // The run's lock of a worker killed on another host is taken over: Redis has already given its
  // job to this worker, which happens only once the other stopped renewing the job's lock.
  const store = new NodeStore({ foreignLocks: 'take-over' });
  let gpu: Promise<Gpu> | undefined; // opened for the first run, so an idle worker holds no device
  await startWorker<PlanNode>({
    address: parseRedisUrl(o.url),
    storeDir: o.storeDir,
    concurrency: o.concurrency,
    lockSeconds: o.lockSeconds,
    isDone: doneIn(store, o.storeDir),
    // Held for the whole run (an evaluation takes no lock of its own; a training run's run.lock is inside).
    lock: (r) => store.lock(queueLock(o.storeDir, r.dir)),
    execute: async (node, reporter) =>
      executeNode(node, {
        store,
        gpu: await (gpu ??= Gpu.create({ adapter: o.adapter, announce: true })),
        reporter,
        root: o.storeDir,
      }),
    reporter: (label) => terminalReporter(label, { rows: false }),
    log,
    onLostLock: (ids) => {
      log(`error: the lock of job ${ids.join(', ')} could not be renewed (another worker may own it now); stopping`);
      process.exit(75);
    },
  });
}
