// Fault injection for the resume tests: ENGINE_KILL_AT=<point>:<n> makes the process SIGKILL itself
// the n-th time (from 1) it reaches the named point, so a kill lands at an exact, replayable place.
// Node's CLI arms it from the variable (ts/io/killpoint.ts); unarmed (always, outside tests),
// killPoint does nothing. Points (docs/reliability.md):
// train-step, rl-step (after the n-th optimizer step's metrics row), checkpoint-file (after the n-th
// file written into a checkpoint's temporary directory), checkpoint-dir (after the n-th checkpoint
// directory is renamed into place, before `latest` moves), eval-problem (after the n-th problem's
// result is journaled), data-shard (after the n-th training shard is written, before the build's
// resume state records it).
const reached = new Map<string, number>();
let target: { point: string; n: number; kill: () => void } | undefined;

/** Arms the kill point `spec` ('<point>:<n>'; none when empty): `kill` ends the process there at once. */
export function armKillPoint(spec: string | undefined, kill: () => void): void {
  reached.clear();
  target = undefined;
  if (!spec) return;
  const m = /^([a-z-]+):([1-9]\d*)$/.exec(spec);
  if (!m) throw new Error(`ENGINE_KILL_AT=${spec}: expected <point>:<n>, e.g. train-step:3`);
  target = { point: m[1], n: Number(m[2]), kill };
}

/** Marks one arrival at `point`; ends the process on the arrival the armed spec names. */
export function killPoint(point: string): void {
  if (target?.point !== point) return;
  const n = (reached.get(point) ?? 0) + 1;
  reached.set(point, n);
  if (n === target.n) target.kill();
}
