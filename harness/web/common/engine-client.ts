// The engine for a page: its module worker (worker.js beside the page, built by `npm run site` from
// ts/worker/worker.ts) wrapped with comlink, so the page calls the engine API (ts/worker/engine.ts)
// with its types while the GPU and the wasm module stay off the main thread. Before starting it, a
// page asks webGpuProblem() whether this browser can run the engine at all.
import * as Comlink from 'comlink';
import { missingLimit } from '../../../ts/gpu/limits.js';
import type { ProgressReport } from '../../../ts/util/progress.js';
import type { Engine } from '../../../ts/worker/engine.js';

export type RemoteEngine = Comlink.Remote<Engine>;

/** Starts the engine's worker; its runs are kept in the origin's private file system. */
export function openEngine(): RemoteEngine {
  return Comlink.wrap<Engine>(new Worker('./worker.js', { type: 'module' }));
}

/** What a page hears during a stage (each optional). */
export interface Listeners {
  progress?: (report: ProgressReport) => void;
  row?: (row: object) => void;
  log?: (message: string) => void;
}

/** The listeners as the trailing callback arguments of train() and evaluate(), proxied to the worker. */
export function callbacks(l: Listeners) {
  const proxy = <T>(f?: (x: T) => void) => (f ? Comlink.proxy(f) : undefined);
  return [proxy(l.progress), proxy(l.row), proxy(l.log)] as const;
}

/**
 * Why this browser cannot run the engine, in a sentence that says what to do, or undefined when it
 * can: no WebGPU (navigator.gpu missing), no adapter, or an adapter short of a limit the kernels need.
 */
export async function webGpuProblem(): Promise<string | undefined> {
  if (!globalThis.isSecureContext)
    return 'WebGPU needs a secure context: open this site over https, or from http://localhost.';
  if (!navigator.gpu)
    return (
      'This browser has no WebGPU (navigator.gpu is missing): use a recent Chrome or Edge, or a Firefox or ' +
      'Safari with WebGPU turned on.'
    );
  const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter)
    return 'The browser has WebGPU but offers no adapter (GPU blocked or missing): check chrome://gpu or about:support.';
  const { description, vendor, architecture } = adapter.info;
  return missingLimit(
    adapter.limits,
    description || [vendor, architecture].filter(Boolean).join(' ') || 'of this browser',
  );
}

/** Offers `data` as a download named `name`. */
export function download(name: string, data: Uint8Array | string, type = 'application/octet-stream'): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
