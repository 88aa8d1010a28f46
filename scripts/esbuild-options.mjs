// The esbuild options every bundle shares: scripts/build.mjs (dist/node, dependencies left to
// node_modules), scripts/bundle.mjs (the offline bundle, dependencies inlined) and the site's pages and
// worker (harness/site/build.ts). WGSL as text, the engine's wasm as bytes (Node, vitest and the browser
// instantiate the very same module), the engine identity's constants (build-info.mjs).
import { buildDefines } from './build-info.mjs';

/** Options every bundle of the repository at `root` shares (Node and browser). */
export function commonOptions(root) {
  return {
    bundle: true,
    format: 'esm',
    sourcemap: true,
    logLevel: 'warning',
    loader: { '.wgsl': 'text', '.wasm': 'binary' },
    absWorkingDir: root,
    define: buildDefines(root),
  };
}

/** Options for the Node entry points (CLI, bench). */
export function nodeBundleOptions(root) {
  return {
    ...commonOptions(root),
    platform: 'node',
    target: 'node20',
    // CommonJS dependencies inlined into an ES module still call require() for Node's built-ins.
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  };
}

/** The Node entry points: name -> source. */
export const NODE_ENTRIES = {
  cli: 'harness/cli/main.ts',
  site: 'harness/site/main.ts',
  bench: 'bench/main.ts',
  kernels: 'bench/kernels/run.ts',
  'checkpoint-loss': 'bench/checkpoint-loss.ts',
};
/** The entry points of the offline bundle (scripts/bundle.mjs): run.sh runs the first by default. */
export const BUNDLE_ENTRIES = ['cli', 'bench', 'checkpoint-loss'];
