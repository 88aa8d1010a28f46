// The in-process runner: a plan's runs one after another in the plan's order (inputs first), each
// skipped when its done.json is there, else executed (its stage resuming from its own checkpoints).
// The GPU is asked for only when a run has work to do, so a finished study needs none.
import type { Gpu } from '../gpu/device.js';
import { StageStopped } from '../stage/loop.js';
import { joinPath, type RunStore } from '../store/store.js';
import type { Reporter } from '../util/reporter.js';
import { executeNode, readDone, type DoneRecord, type NodeEnv } from './execute.js';
import type { Plan, PlanNode } from './plan.js';

export type Execute = (node: PlanNode, env: NodeEnv) => Promise<DoneRecord>;

export interface RunnerOptions {
  store: RunStore;
  root: string;
  gpu: () => Promise<Gpu>;
  reporter: (node: PlanNode) => Reporter;
  /** Runs one node; executeNode unless a caller (a test counting runs) wraps it. */
  execute?: Execute;
  /** Before each node, whether it is done already or about to run. */
  onStart?: (node: PlanNode, done: boolean) => void;
  /** After each node, finished now or before (`skipped`). */
  onDone?: (node: PlanNode, rec: DoneRecord, skipped: boolean) => void;
  /** Stops the running node after its current step, and runs no other (NodeEnv.stop). */
  stop?: AbortSignal;
}

export const PLAN_FILE = 'plan.json';

/** Every node's record, by key; the plan is written beside the runs first. */
export async function runPlan(plan: Plan, o: RunnerOptions): Promise<Map<string, DoneRecord>> {
  await o.store.write(joinPath(o.root, PLAN_FILE), JSON.stringify(plan, null, 1) + '\n');
  const execute = o.execute ?? executeNode;
  let gpu: Gpu | undefined;
  const records = new Map<string, DoneRecord>();
  for (const node of plan.nodes) {
    let rec = await readDone(o.store, o.root, node.dir, node.key);
    const skipped = rec !== undefined;
    o.onStart?.(node, skipped);
    if (!rec) {
      if (o.stop?.aborted) throw new StageStopped(`stopped before run ${node.id}`);
      gpu ??= await o.gpu();
      rec = await execute(node, { store: o.store, gpu, reporter: o.reporter(node), root: o.root, stop: o.stop });
    }
    records.set(node.key, rec);
    o.onDone?.(node, rec, skipped);
  }
  return records;
}

export type NodeState = 'done' | 'ready' | 'waiting';

/** Each node's state: done, ready (its inputs are done) or waiting. */
export async function planStatus(plan: Plan, store: RunStore, root: string): Promise<Map<string, NodeState>> {
  const states = new Map<string, NodeState>();
  for (const n of plan.nodes) {
    const done = await readDone(store, root, n.dir, n.key);
    states.set(n.key, done ? 'done' : n.deps.every((d) => states.get(d) === 'done') ? 'ready' : 'waiting');
  }
  return states;
}

/** The graph as text: one line per run with its state, its key's first 12 digits and what it reads. */
export function planText(plan: Plan, states: Map<string, NodeState>): string {
  const byKey = new Map(plan.nodes.map((n) => [n.key, n]));
  const lines = plan.nodes.map((n) => {
    const from = Object.entries(n.inputs).map(([role, i]) => `${role} <- ${byKey.get(i.key)?.id}`);
    return `${states.get(n.key)!.padEnd(8)}${n.kind.padEnd(10)}${n.key.slice(0, 12)}  ${n.id}${from.length ? `  (${from.join(', ')})` : ''}`;
  });
  const count = (s: NodeState) => [...states.values()].filter((x) => x === s).length;
  return [
    `study ${plan.study} at scale ${plan.scale}${plan.seeds > 1 ? `, ${plan.seeds} seeds` : ''}: ${plan.nodes.length} runs, ` +
      `${count('done')} done, ${count('ready')} ready, ${count('waiting')} waiting`,
    ...lines,
  ].join('\n');
}
