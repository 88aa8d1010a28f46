// A study's run graph as a BullMQ flow. A flow is a tree (a job has one parent) and a plan is a DAG
// (a base checkpoint feeds several runs), so each pending run hangs under the first pending run
// that needs it, or under the study's root job when none does; BullMQ then releases a run only when
// its children are done, and the worker holds back (delays) a run whose other inputs, those that
// hang elsewhere in the tree, are not finished yet. Job ids are run keys: enqueueing the same
// plan twice adds nothing, and a run already finished (done.json in the store) is left out.
import type { FlowJob, FlowJobNode, JobsOptions } from 'bullmq';

/** What the queue needs of a run of a plan (ts/study/plan.ts's PlanNode has more). */
export interface PlanNode {
  key: string;
  kind: string;
  /** Keys of the runs whose outputs this run reads. */
  deps: string[];
  /** Its folder relative to the study folder (where its done.json goes). */
  dir: string;
}

/** A run as its done.json is found: each worker has its own path to the store. */
export type RunRef = Pick<PlanNode, 'key' | 'kind' | 'dir'>;

/** What a run's job carries: the whole node (for executeNode) and its inputs. */
export interface RunJobData<N extends PlanNode = PlanNode> {
  node: N;
  inputs: RunRef[];
}

/** What the root job carries. */
export interface RootJobData {
  study: string;
  total: number;
}

export const ROOT_JOB = 'study';

/**
 * Attempts and backoff of a run that throws (a crash, not a kill: a killed worker's job is taken
 * back by stalled-job detection and does not use up an attempt). failParentOnFailure carries a
 * failure up to the root, so the study fails instead of waiting forever.
 */
export const RUN_JOB_OPTS: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5000 },
  failParentOnFailure: true,
};

/** The flow of `pending` runs (keys of `nodes` not finished), under a root job `rootId`. */
export function buildFlow<N extends PlanNode>(
  nodes: N[],
  pending: Set<string>,
  o: { queueName: string; rootId: string; root: RootJobData; runOpts?: JobsOptions },
): FlowJob {
  const todo = nodes.filter((n) => pending.has(n.key));
  const parentOf = new Map<string, string>();
  for (const n of todo) for (const d of n.deps) if (pending.has(d) && !parentOf.has(d)) parentOf.set(d, n.key);
  const children = new Map<string, N[]>();
  for (const n of todo) {
    const p = parentOf.get(n.key) ?? o.rootId;
    children.set(p, [...(children.get(p) ?? []), n]);
  }
  const byKey = new Map(nodes.map((n) => [n.key, n]));
  const job = (n: N): FlowJobNode => {
    const kids = (children.get(n.key) ?? []).map(job);
    const inputs = n.deps.map((d) => {
      const dep = byKey.get(d);
      if (!dep) throw new Error(`run ${n.kind}-${n.key.slice(0, 12)} needs run ${d}, which is not in the plan`);
      return { key: dep.key, kind: dep.kind, dir: dep.dir };
    });
    const data: RunJobData<N> = { node: n, inputs };
    return {
      name: n.kind,
      queueName: o.queueName,
      data,
      opts: { ...RUN_JOB_OPTS, ...o.runOpts, jobId: n.key },
      ...(kids.length ? { children: kids } : {}),
    };
  };
  const top = (children.get(o.rootId) ?? []).map(job);
  // Runs on a cycle hang under each other and never under the root.
  const placed = countJobs(top);
  if (placed !== todo.length)
    throw new Error(`the plan has a cycle: ${todo.length - placed} runs depend on each other`);
  return { name: ROOT_JOB, queueName: o.queueName, data: o.root, opts: { jobId: o.rootId }, children: top };
}

function countJobs(jobs: FlowJobNode[]): number {
  return jobs.reduce((s, j) => s + 1 + countJobs(j.children ?? []), 0);
}
