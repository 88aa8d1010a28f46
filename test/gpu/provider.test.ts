// Gpu.create takes its adapters, its default choice and its log from the installed provider (Dawn
// here, test/gpu/setup.ts); the browser's provider, in Node, says what to install.
import { afterEach, describe, expect, it } from 'vitest';
import { browserGpu, type GpuProvider, setGpuProvider } from '../../ts/gpu/adapters.js';
import { Gpu } from '../../ts/gpu/index.js';
import { dawnGpu } from '../../ts/io/dawn.js';
import { testGpu } from './setup.js';

afterEach(() => setGpuProvider(dawnGpu));

describe('the GPU provider', () => {
  it("announces the adapter in one line, to a callback or to the provider's log", async () => {
    const g = await testGpu();
    const calls: { choice: string; line?: string }[] = [];
    const recording: GpuProvider = {
      ...dawnGpu,
      requestAdapter: (choice, toggles) => {
        calls.push({ choice });
        return dawnGpu.requestAdapter(choice, toggles);
      },
      defaultChoice: () => g.adapterKind,
      log: (line) => calls.push({ choice: '-', line }),
    };
    setGpuProvider(recording);
    const lines: string[] = [];
    const other = await Gpu.create({ announce: (line) => lines.push(line) });
    // Dawn's robustness transform is off on lavapipe only (GpuOptions.fast).
    const robustness = g.adapterKind === 'lavapipe' ? ', Dawn robustness off' : '';
    expect(lines).toEqual([`webgpu adapter: ${g.adapterName} (${g.adapterKind}${robustness})`]);
    expect(other.adapterName).toBe(g.adapterName);
    await Gpu.create({ adapter: g.adapterName, fast: false });
    expect(calls).toEqual([
      { choice: g.adapterKind },
      { choice: g.adapterName },
      { choice: '-', line: `webgpu adapter: ${g.adapterName} (${g.adapterKind})` },
    ]);
  });

  it('without Dawn, in Node, says to install it', async () => {
    setGpuProvider(browserGpu);
    await expect(Gpu.create({ announce: false })).rejects.toThrow(/navigator.gpu is missing.*useDawn\(\)/);
  });
});
