// The directory every machine of a queued study mounts (--store DIR: NFS, or any mounted bucket) has
// an id, and the id names the queue: a worker whose --store is some other directory takes no run of
// this one.
import { randomUUID } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ID_FILE = 'queue-store.json';

/**
 * The store's id (made on first use by whichever of the enqueuer and the workers comes first: written
 * whole, then hard-linked into place, which fails when the file exists, also on NFS, so two of them
 * racing agree on the first one's), and the queue named after it.
 */
export function storeQueue(storeDir: string): { id: string; queueName: string } {
  const file = join(storeDir, ID_FILE);
  mkdirSync(storeDir, { recursive: true });
  const mine = randomUUID();
  const tmp = `${file}.${mine}.tmp`;
  writeFileSync(tmp, JSON.stringify({ id: mine }) + '\n');
  try {
    linkSync(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    rmSync(tmp, { force: true });
  }
  let id: unknown;
  try {
    id = (JSON.parse(readFileSync(file, 'utf8')) as { id?: unknown }).id;
  } catch {
    id = undefined;
  }
  if (typeof id !== 'string' || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new Error(`${file} is not a store id file; delete it if no study of this store is queued, and retry`);
  }
  return { id, queueName: `study-${id.slice(0, 8)}` };
}
