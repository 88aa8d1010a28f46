// The esbuild options every bundle of the engine shares (the CLI's, the site's): WGSL as text, the
// engine's wasm as bytes (so Node, vitest and the browser instantiate the very same module), and the
// engine identity's constants (build-info.mjs).
import { buildDefines } from './build-info.mjs';

/** Shared esbuild options for the repository at `root`. */
export function bundleOptions(root) {
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
