// The engine (ts/worker/engine.ts) in a Node worker_threads worker, exposed through comlink's Node
// adapter: the API a page's worker exposes (ts/worker/worker.ts), on Dawn. workerData chooses the
// store ({ store: 'disk' }: paths on the file system; default: in memory) and the adapter
// ({ adapter: 'swiftshader' }; default ENGINE_ADAPTER, else the best there is).
import { parentPort, workerData } from 'node:worker_threads';
import * as Comlink from 'comlink';
import nodeEndpoint from 'comlink/dist/esm/node-adapter.mjs';
import type { AdapterChoice } from '../../ts/gpu/index.js';
import { useDawn } from '../../ts/io/dawn.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { createEngine } from '../../ts/worker/engine.js';

export interface NodeWorkerData {
  store?: 'memory' | 'disk';
  adapter?: AdapterChoice;
}

if (!parentPort)
  throw new Error('harness/worker/node.ts runs as a worker_threads worker; start it with new Worker(...)');
useDawn();
const data = (workerData ?? {}) as NodeWorkerData;
const store = data.store === 'disk' ? new NodeStore() : new MemoryStore();
Comlink.expose(createEngine({ store, gpu: { adapter: data.adapter } }), nodeEndpoint(parentPort));
