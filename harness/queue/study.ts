// `study NAME --queue redis://HOST:PORT --store DIR`: the plan's unfinished runs enqueued as one
// BullMQ flow (flow.ts), then watched until the flow's root finishes: runs done of the plan's total
// with an ETA, and what each active run is doing. The workers (worker.ts) do the work; the study
// command writes its report from the store afterwards, as after an in-process run.
import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { Reporter } from '../../ts/util/reporter.js';
import { buildFlow, type PlanNode, type RunJobData, type RunRef } from './flow.js';
import { checkReachable, closeAll, loadBullmq, redisConnection, type RedisAddress } from './redis.js';
import { storeQueue } from './store-queue.js';

export interface QueuedStudy {
  name: string;
  nodes: PlanNode[];
  storeDir: string;
  address: RedisAddress;
  /** Whether the run's done.json is there. */
  isDone(run: RunRef): Promise<boolean>;
  /** Progress of the whole study (phase 'runs') and notes. */
  reporter: Reporter;
  /** Milliseconds between looks at the queue. */
  pollMs?: number;
  /** Over flow.ts's RUN_JOB_OPTS (tests: a short backoff). */
  runOpts?: JobsOptions;
}

/** States in which a job is still to run or running: its flow is alive, and a second enqueue leaves it. */
const ALIVE = new Set(['active', 'waiting', 'waiting-children', 'delayed', 'prioritized']);

/** The root job's id: the study and its plan (all run keys), so a changed plan is another flow. */
export function rootIdOf(name: string, nodes: PlanNode[]): string {
  const keys = nodes.map((n) => n.key).sort();
  return `study-${name}-${createHash('sha256').update(keys.join('\n')).digest('hex').slice(0, 12)}`;
}

/** Enqueues what is unfinished of the plan and resolves when all of it is finished. */
export async function runQueuedStudy(s: QueuedStudy): Promise<void> {
  const pending = new Set((await finished(s)).filter((f) => !f.done).map((f) => f.key));
  if (!pending.size) {
    s.reporter.log(`all ${s.nodes.length} runs of ${s.name} are finished; nothing to queue`);
    return;
  }
  await checkReachable(s.address);
  const { Queue, FlowProducer } = await loadBullmq();
  const { queueName } = storeQueue(s.storeDir);
  const opened: Parameters<typeof closeAll>[0] = [];
  const queue = new Queue(queueName, { connection: await redisConnection(s.address, opened) });
  const rootId = rootIdOf(s.name, s.nodes);
  try {
    if (await enqueueNeeded(queue, rootId, pending)) {
      const flows = new FlowProducer({ connection: await redisConnection(s.address, opened) });
      try {
        await flows.add(
          buildFlow(s.nodes, pending, {
            queueName,
            rootId,
            root: { study: s.name, total: s.nodes.length },
            runOpts: s.runOpts,
          }),
        );
      } finally {
        await flows.close();
      }
      s.reporter.log(`${s.name}: ${pending.size} of ${s.nodes.length} runs queued on ${queueName}; start workers`);
    } else s.reporter.log(`${s.name}: already queued on ${queueName}; waiting for it`);
    await watch(queue, rootId, s);
  } finally {
    await queue.close();
    await closeAll(opened);
  }
}

/**
 * Whether the flow must be added: no when it is in the queue and alive. A finished root of an earlier
 * try (failed, or completed while runs are still unfinished: the store was emptied) is removed with
 * its jobs, and so is a failed run's job, so that they run again; a run alive under another flow (a
 * study sharing it) is left to that flow, and its dependents here wait for its done.json.
 */
async function enqueueNeeded(queue: Queue, rootId: string, pending: Set<string>): Promise<boolean> {
  const root = await queue.getJob(rootId);
  if (root) {
    if (ALIVE.has(await root.getState())) return false;
    await removeOrRefuse(queue, rootId);
  }
  for (const key of [...pending]) {
    const job = await queue.getJob(key);
    if (!job) continue;
    if (ALIVE.has(await job.getState())) pending.delete(key);
    else await removeOrRefuse(queue, key);
  }
  return true;
}

async function removeOrRefuse(queue: Queue, id: string): Promise<void> {
  if (!(await queue.remove(id, { removeChildren: true }))) {
    throw new Error(`job ${id} of an earlier try is still running on a worker; wait for it to stop, then retry`);
  }
}

async function finished(s: QueuedStudy): Promise<{ key: string; done: boolean }[]> {
  return Promise.all(s.nodes.map(async (n) => ({ key: n.key, done: await s.isDone(n) })));
}

async function watch(queue: Queue, rootId: string, s: QueuedStudy): Promise<void> {
  const total = s.nodes.length;
  for (;;) {
    const root = await queue.getJob(rootId);
    const state = root ? await root.getState() : 'missing';
    const done = (await finished(s)).filter((f) => f.done).length;
    if (state === 'failed') throw new Error(`${s.name} failed: ${await failure(queue, s.nodes, root!.failedReason)}`);
    const active = (await queue.getJobs(['active'])).filter((j) => j.id !== rootId);
    const note = active.map((j) => activeNote(j.data as RunJobData, j.progress)).join('; ');
    s.reporter.progress({ phase: 'runs', done, total, unit: 'runs', ...(note ? { note } : {}) });
    if (state === 'completed' || done === total) return;
    if (state === 'missing') {
      throw new Error(`${s.name}'s flow ${rootId} is gone from the queue (Redis restarted?); run the command again`);
    }
    await new Promise((r) => setTimeout(r, s.pollMs ?? 1000));
  }
}

function activeNote(d: RunJobData, progress: unknown): string {
  const p = progress as { phase?: string; done?: number; total?: number } | undefined;
  const at = p?.total ? ` ${p.phase} ${((100 * (p.done ?? 0)) / p.total).toFixed(0)}%` : '';
  return `${d.node.kind}-${d.node.key.slice(0, 8)}${at}`;
}

/** The failed run's own error, rather than the chain of parents failed because of it. */
async function failure(queue: Queue, nodes: PlanNode[], rootReason: string): Promise<string> {
  for (const n of nodes) {
    const j = await queue.getJob(n.key);
    if (j?.failedReason && !/child .* failed|failed children/i.test(j.failedReason)) {
      return `run ${n.kind}-${n.key.slice(0, 12)}: ${j.failedReason}`;
    }
  }
  return rootReason;
}
