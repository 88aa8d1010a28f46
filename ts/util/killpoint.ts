// Fault injection for the resume tests: ENGINE_KILL_AT=<point>:<n> makes the process SIGKILL itself
// the n-th time (from 1) it reaches the named point, so a kill lands at an exact, replayable place.
// Unset (always, outside tests), killPoint does nothing. Points (docs/reliability.md):
// train-step, rl-step (after the n-th optimizer step's metrics row), checkpoint-file (after the n-th
// file written into a checkpoint's temporary directory), checkpoint-dir (after the n-th checkpoint
// directory is renamed into place, before `latest` moves), eval-problem (after the n-th problem's
// result is journaled), data-shard (after the n-th training shard is written, before the build's
// resume state records it). ENGINE_KILL_AT=<point>:<n>:SIGINT (or SIGTERM) sends that signal
// instead and goes on, as a person pressing Ctrl-C at that moment would (harness/cli/interrupt.ts).
const reached = new Map<string, number>();
/** Node's process where there is one (a browser has none, and no ENGINE_KILL_AT). */
const proc = (
  globalThis as {
    process?: { env?: Record<string, string | undefined>; pid: number; kill(pid: number, signal: string): void };
  }
).process;
interface Target {
  point: string;
  n: number;
  signal: string;
}
let target: Target | null | undefined;

function parse(): Target | null {
  const spec = proc?.env?.ENGINE_KILL_AT;
  if (!spec) return null;
  const m = /^([a-z-]+):([1-9]\d*)(?::(SIGINT|SIGTERM))?$/.exec(spec);
  if (!m) throw new Error(`ENGINE_KILL_AT=${spec}: expected <point>:<n>[:SIGINT|SIGTERM], e.g. train-step:3`);
  return { point: m[1], n: Number(m[2]), signal: m[3] ?? 'SIGKILL' };
}

/** Marks one arrival at `point`; kills (or signals) the process on the arrival ENGINE_KILL_AT names. */
export function killPoint(point: string): void {
  if (target === undefined) target = parse();
  if (target?.point !== point) return;
  const n = (reached.get(point) ?? 0) + 1;
  reached.set(point, n);
  if (n !== target.n) return;
  proc!.kill(proc!.pid, target.signal);
  if (target.signal !== 'SIGKILL') return;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // nothing runs after the kill point
}
