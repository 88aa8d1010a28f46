// The engine in a page's Dedicated Worker (a module worker), exposed through comlink: the page calls
// the API of ts/worker/engine.ts and passes its callbacks as one Comlink.proxy. Runs are kept in the
// Origin Private File System (folder `engine`), or in memory when the worker's URL says ?store=memory.
// The GPU is the browser's (navigator.gpu, ts/gpu's default provider).
import * as Comlink from 'comlink';
import { MemoryStore } from '../store/memory.js';
import { OpfsStore } from '../store/opfs.js';
import { createEngine } from './engine.js';

const inMemory = new URLSearchParams(globalThis.location?.search).get('store') === 'memory';
// Exposed at once (a message sent before expose would be lost); the store opens meanwhile.
Comlink.expose(createEngine({ store: inMemory ? new MemoryStore() : OpfsStore.open('engine') }));
