// Adapter discovery and choice in Node (Dawn via npm `webgpu`) and in the browser (navigator.gpu).
// Choice: `auto` (a real GPU first, then lavapipe, then SwiftShader), `lavapipe`, `swiftshader`,
// or any substring of an adapter's name. Set by option or by the ENGINE_ADAPTER variable.

export type AdapterChoice = 'auto' | 'lavapipe' | 'swiftshader' | (string & {});

export interface AdapterEntry {
  backend: string;
  name: string;
  kind: 'gpu' | 'lavapipe' | 'swiftshader' | 'cpu';
}

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';
const INSTALL_HINT =
  'install a GPU driver, or run scripts/setup-system.sh (Mesa >= 24 lavapipe from bookworm-backports: ' +
  "'apt-get install -t bookworm-backports mesa-vulkan-drivers'; SwiftShader comes with Debian's 'chromium')";

export const isNode = typeof process !== 'undefined' && !!process.versions?.node && typeof window === 'undefined';

export function classify(name: string): AdapterEntry['kind'] {
  const n = name.toLowerCase();
  if (n.includes('llvmpipe')) return 'lavapipe';
  if (n.includes('swiftshader')) return 'swiftshader';
  if (n.includes('software') || n.includes('warp') || n.includes('cpu')) return 'cpu';
  return 'gpu';
}

// Every object returned by create() must stay referenced until the process ends: when one is
// garbage-collected, Dawn aborts the process ("futex facility returned an unexpected error code").
const liveInstances: GPU[] = [];

type DawnModule = { create(flags: string[]): GPU; globals: Record<string, unknown> };
let dawn: DawnModule | undefined;

async function loadDawn(): Promise<DawnModule> {
  if (dawn) return dawn;
  const fs = await import('node:fs');
  process.env.XDG_RUNTIME_DIR ??= (await import('node:os')).tmpdir(); // silences a Mesa warning
  // Make SwiftShader (from Debian's chromium) discoverable next to the system's Vulkan drivers,
  // unless the user pinned the driver list.
  if (!process.env.VK_ICD_FILENAMES && fs.existsSync(SWIFTSHADER_ICD)) {
    const add = process.env.VK_ADD_DRIVER_FILES;
    if (!add?.includes(SWIFTSHADER_ICD)) process.env.VK_ADD_DRIVER_FILES = add ? `${add}:${SWIFTSHADER_ICD}` : SWIFTSHADER_ICD;
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

/** The adapters Dawn can see (Node), or the browser's one adapter. */
export async function listAdapters(): Promise<AdapterEntry[]> {
  if (!isNode) {
    const a = await navigator.gpu?.requestAdapter();
    if (!a) return [];
    const name = a.info.description || a.info.device || a.info.architecture || a.info.vendor;
    return [{ backend: 'browser', name, kind: classify(`${name} ${a.info.architecture}`) }];
  }
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
  if (!found) throw new Error(`no WebGPU adapter matches '${choice}'; available: ${listing}. To get one: ${INSTALL_HINT}`);
  return found;
}

export interface AdapterResult {
  adapter: GPUAdapter;
  name: string;
  kind: AdapterEntry['kind'];
}

/**
 * Requests the chosen adapter. Node: `toggles(kind)` gives the Dawn toggles for the adapter picked
 * (they must be set when its instance is created).
 */
export async function requestAdapter(choice: AdapterChoice, toggles: (kind: AdapterEntry['kind']) => string[] = () => []): Promise<AdapterResult> {
  if (!isNode) {
    if (!navigator.gpu) throw new Error('this browser has no WebGPU (navigator.gpu is missing); use a WebGPU-enabled browser over https or localhost');
    const adapter = await navigator.gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('the browser offers no WebGPU adapter');
    const name = adapter.info.description || adapter.info.device || adapter.info.architecture || adapter.info.vendor;
    return { adapter, name, kind: classify(`${name} ${adapter.info.architecture}`) };
  }
  const mod = await loadDawn();
  const entry = pickAdapter(await listAdapters(), choice);
  const flags = [`adapter=${entry.name}`, `backend=${entry.backend}`];
  const enable = toggles(entry.kind);
  if (enable.length) flags.push(`enable-dawn-features=${enable.join(',')}`);
  const adapter = await createInstance(mod, flags).requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) throw new Error(`Dawn found adapter '${entry.name}' but could not open it. ${INSTALL_HINT}`);
  return { adapter, name: entry.name, kind: entry.kind };
}
