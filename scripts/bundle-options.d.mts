import type { BuildOptions } from 'esbuild';

/** Shared esbuild options for the repository at `root` (see bundle-options.mjs). */
export function bundleOptions(root: string): BuildOptions;
