// Adapter discovery and choice, through an injected provider: the browser's navigator.gpu by
// default; Node installs Dawn (npm `webgpu`, ts/io/dawn.ts) with setGpuProvider. Choice: `auto` (a
// real GPU first, then lavapipe, then SwiftShader), `lavapipe`, `swiftshader`, or any substring of
// an adapter's name. Set by option or, in Node, by the ENGINE_ADAPTER variable.

import type { KernelCache } from './kernels.js';

export type AdapterChoice = 'auto' | 'lavapipe' | 'swiftshader' | (string & {});

export interface AdapterEntry {
  backend: string;
  name: string;
  kind: 'gpu' | 'lavapipe' | 'swiftshader' | 'cpu';
}

export const INSTALL_HINT =
  'install a GPU driver, or run scripts/setup-system.sh (Mesa >= 24 lavapipe from bookworm-backports: ' +
  "'apt-get install -t bookworm-backports mesa-vulkan-drivers'; SwiftShader comes with Debian's 'chromium')";

export function classify(name: string): AdapterEntry['kind'] {
  const n = name.toLowerCase();
  if (n.includes('llvmpipe')) return 'lavapipe';
  if (n.includes('swiftshader')) return 'swiftshader';
  if (n.includes('software') || n.includes('warp') || n.includes('cpu')) return 'cpu';
  return 'gpu';
}

const RANK: Record<AdapterEntry['kind'], number> = { gpu: 0, lavapipe: 1, swiftshader: 2, cpu: 3 };

/** Picks the adapter entry for a choice, or throws naming what exists and what to install. */
export function pickAdapter(entries: AdapterEntry[], choice: AdapterChoice): AdapterEntry {
  const listing = entries.length ? entries.map((e) => `'${e.name}' (${e.backend})`).join(', ') : 'none';
  let found: AdapterEntry | undefined;
  if (choice === 'auto') {
    found = [...entries]
      .filter((e) => e.backend !== 'null')
      .sort((a, b) => RANK[a.kind] - RANK[b.kind] || (a.backend === 'vulkan' ? -1 : 1))[0];
  } else if (choice === 'lavapipe' || choice === 'swiftshader') {
    found = entries.find((e) => e.kind === choice);
  } else {
    found = entries.find((e) => e.name.toLowerCase().includes(choice.toLowerCase()));
  }
  if (!found)
    throw new Error(`no WebGPU adapter matches '${choice}'; available: ${listing}. To get one: ${INSTALL_HINT}`);
  return found;
}

export interface AdapterResult {
  adapter: GPUAdapter;
  name: string;
  kind: AdapterEntry['kind'];
  /** The Dawn toggles the adapter was opened with ([] where there are none, as in a browser). */
  toggles: string[];
}

/** Where adapters come from: the browser's navigator.gpu, or Dawn in Node (ts/io/dawn.ts). */
export interface GpuProvider {
  /** The adapters this platform can open. */
  listAdapters(): Promise<AdapterEntry[]>;
  /** Opens the adapter `choice` picks; `toggles(kind)` gives Dawn toggles for the one picked. */
  requestAdapter(choice: AdapterChoice, toggles: (kind: AdapterEntry['kind']) => string[]): Promise<AdapterResult>;
  /** The choice when the caller makes none (Node: ENGINE_ADAPTER). */
  defaultChoice(): AdapterChoice | undefined;
  /** Where Gpu.create announces the adapter unless told otherwise (Node: stderr). */
  log(line: string): void;
  /** Kernel variants by family when the caller forces none (Node: ENGINE_MATMUL, ENGINE_ATTENTION); default none. */
  forcedKernels?(): Record<string, string>;
  /** Where start-up trials are cached (Node: a file under the cache directory); default memory. */
  kernelCache?(): KernelCache;
}

function describeAdapter(a: GPUAdapter): { name: string; kind: AdapterEntry['kind'] } {
  const name = a.info.description || a.info.device || a.info.architecture || a.info.vendor;
  return { name, kind: classify(`${name} ${a.info.architecture}`) };
}

/** The browser's one adapter, through navigator.gpu (a choice names no other: there is none). */
export const browserGpu: GpuProvider = {
  async listAdapters() {
    const a = await globalThis.navigator?.gpu?.requestAdapter();
    if (!a) return [];
    const { name, kind } = describeAdapter(a);
    return [{ backend: 'browser', name, kind }];
  },
  async requestAdapter() {
    if (!globalThis.navigator?.gpu) {
      throw new Error(
        'no WebGPU: navigator.gpu is missing; in a browser, use a WebGPU-enabled one over https or localhost; ' +
          'in Node, install Dawn first (useDawn() from ts/io/dawn.ts)',
      );
    }
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('the browser offers no WebGPU adapter');
    return { adapter, ...describeAdapter(adapter), toggles: [] };
  },
  defaultChoice: () => undefined,
  log: (line) => console.info(line),
};

let provider: GpuProvider = browserGpu;

/** Makes `p` the source of adapters for every Gpu created after (Node: Dawn, at start-up). */
export function setGpuProvider(p: GpuProvider): void {
  provider = p;
}

/** The provider in use. */
export function gpuProvider(): GpuProvider {
  return provider;
}

/** The adapters the provider in use can open. */
export function listAdapters(): Promise<AdapterEntry[]> {
  return provider.listAdapters();
}
