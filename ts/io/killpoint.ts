// Arms the kill points (ts/util/killpoint.ts) of a Node process from ENGINE_KILL_AT: SIGKILL, so the
// process ends at that exact place the way a power cut or an OOM kill would end it.
import { armKillPoint } from '../util/killpoint.js';

export function armKillPointFromEnv(): void {
  armKillPoint(process.env.ENGINE_KILL_AT, () => {
    process.kill(process.pid, 'SIGKILL');
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // nothing runs after the kill point
  });
}
