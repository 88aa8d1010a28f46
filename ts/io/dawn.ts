// WebGPU in Node: Dawn through npm `webgpu`, installed as ts/gpu's adapter provider by the CLI, the
// bench and the GPU tests (useDawn). Makes Debian chromium's SwiftShader visible beside the system's
// Vulkan drivers, lists adapters, and reads the adapter choice from ENGINE_ADAPTER.
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { fileKernelCache } from './kernel-cache.js';
import {
  type AdapterEntry,
  type GpuProvider,
  INSTALL_HINT,
  classify,
  pickAdapter,
  setGpuProvider,
} from '../gpu/adapters.js';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// Every object returned by create() must stay referenced until the process ends: when one is
// garbage-collected, Dawn aborts the process ("futex facility returned an unexpected error code").
const liveInstances: GPU[] = [];

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };
let dawn: DawnModule | undefined;

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  process.env.XDG_RUNTIME_DIR ??= tmpdir(); // silences a Mesa warning
  // Make SwiftShader (from Debian's chromium) discoverable next to the system's Vulkan drivers,
  // unless the user pinned the driver list.
  if (!process.env.VK_ICD_FILENAMES && existsSync(SWIFTSHADER_ICD)) {
    const add = process.env.VK_ADD_DRIVER_FILES;
    if (!add?.includes(SWIFTSHADER_ICD)) {
      process.env.VK_ADD_DRIVER_FILES = add ? `${add}:${SWIFTSHADER_ICD}` : SWIFTSHADER_ICD;
    }
  }
  const mod = (await import('webgpu')) as unknown as DawnModule;
  Object.assign(globalThis, mod.globals);
  dawn = mod;
  return mod;
}

function createInstance(mod: DawnModule, flags: string[]): GPU {
  const gpu = mod.create(flags);
  liveInstances.push(gpu);
  return gpu;
}

export const dawnGpu: GpuProvider = {
  async listAdapters() {
    const mod = await loadDawn();
    // Dawn lists the adapters it found in the error for an adapter name that matches none.
    const probe = createInstance(mod, ['adapter=\u0001no-such-adapter']);
    try {
      await probe.requestAdapter();
      return [];
    } catch (e) {
      const out: AdapterEntry[] = [];
      for (const m of String((e as Error).message).matchAll(/backend: '([^']+)', name: '([^']+)'/g)) {
        out.push({ backend: m[1], name: m[2], kind: classify(m[2]) });
      }
      return out;
    }
  },

  // Dawn toggles must be set when the adapter's instance is created.
  async requestAdapter(choice, toggles) {
    const mod = await loadDawn();
    const entry = pickAdapter(await dawnGpu.listAdapters(), choice);
    const flags = [`adapter=${entry.name}`, `backend=${entry.backend}`];
    const enable = toggles(entry.kind);
    if (enable.length) flags.push(`enable-dawn-features=${enable.join(',')}`);
    const adapter = await createInstance(mod, flags).requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error(`Dawn found adapter '${entry.name}' but could not open it. ${INSTALL_HINT}`);
    return { adapter, name: entry.name, kind: entry.kind, toggles: enable };
  },

  defaultChoice: () => process.env.ENGINE_ADAPTER || undefined,
  log: (line) => void process.stderr.write(line + '\n'),
  forcedKernels: (): Record<string, string> => ({
    ...(process.env.ENGINE_MATMUL && { matmul: process.env.ENGINE_MATMUL }),
    ...(process.env.ENGINE_ATTENTION && { attention: process.env.ENGINE_ATTENTION }),
    ...(process.env.ENGINE_REDUCE && { reduce: process.env.ENGINE_REDUCE }),
  }),
  kernelCache: () => fileKernelCache(),
};

/** Makes Dawn the source of adapters for this process (call once, before the first Gpu). */
export function useDawn(): void {
  setGpuProvider(dawnGpu);
}
