// Loads the task world's WebAssembly (engine/, built by scripts/build.mjs) from bytes bundled into
// the code, so Node, vitest and the browser instantiate the very same module.
import wasmBytes from '../../build/engine.wasm';
import { instantiate } from '../../build/engine.js';

export type Engine = Awaited<ReturnType<typeof instantiate>>;

let engine: Promise<Engine> | undefined;

/** The engine instance, created once per process (or page). */
export function loadEngine(): Promise<Engine> {
  engine ??= WebAssembly.compile(wasmBytes as Uint8Array<ArrayBuffer>).then((m) => instantiate(m, { env: {} }));
  return engine;
}
