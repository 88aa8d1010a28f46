import { readFileSync } from 'node:fs';
import { defineConfig, type Plugin } from 'vitest/config';
import { buildDefines } from './scripts/build-info.mjs';

// Same asset handling and build constants as the esbuild bundles (scripts/build.mjs): WGSL as text,
// wasm as bytes.
function assets(): Plugin {
  return {
    name: 'engine-assets',
    enforce: 'pre',
    config: () => ({ define: buildDefines(import.meta.dirname) }),
    load(id) {
      const file = id.split('?')[0];
      if (file.endsWith('.wgsl')) return `export default ${JSON.stringify(readFileSync(file, 'utf8'))};`;
      if (file.endsWith('.wasm')) {
        const b64 = readFileSync(file).toString('base64');
        return `export default Uint8Array.from(atob(${JSON.stringify(b64)}), (c) => c.charCodeAt(0));`;
      }
      return null;
    },
  };
}

export default defineConfig({
  plugins: [assets()],
  test: {
    projects: [
      {
        plugins: [assets()],
        // Generous: the 100k-input fuzz and 10k-problem suites take seconds, more on a busy machine.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], pool: 'forks', testTimeout: 120_000 },
      },
      {
        plugins: [assets()],
        test: {
          name: 'gpu',
          include: ['test/gpu/**/*.test.ts'],
          pool: 'forks',
          // One adapter, two cores: GPU files run one after another.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        // The same GPU tests on SwiftShader (Debian's chromium ships it): a second, different adapter.
        plugins: [assets()],
        test: {
          name: 'gpu-swiftshader',
          include: ['test/gpu/**/*.test.ts'],
          // End-to-end runs (training, RL, evaluation) and the training step's host logic
          // (accumulation, skip, decay flags) are adapter-independent and slow on SwiftShader;
          // every kernel and the model itself are tested on both adapters. (matmul-select: the
          // variant choice, host logic whose trial would compile every tile, 5-20 s each here;
          // protocol.test.ts runs both adapters itself, one process each, so repro.test.ts's kernel
          // fingerprints need only lavapipe; interrupt: the CLI's signal handling.)
          exclude: [
            'test/gpu/{grpo,resume,oracle,eval,train-step,train-stage,fault-stages,worker,study,study-queue,protocol,matmul-select,repro,interrupt}.test.ts',
          ],
          env: { ENGINE_ADAPTER: 'swiftshader' },
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 300_000,
          hookTimeout: 300_000,
        },
      },
      {
        plugins: [assets()],
        test: {
          name: 'browser',
          include: ['test/browser/**/*.test.ts'],
          pool: 'forks',
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
