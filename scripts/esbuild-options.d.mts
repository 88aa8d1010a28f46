import type { BuildOptions } from 'esbuild';

/** Options every bundle of the repository at `root` shares (see esbuild-options.mjs). */
export function commonOptions(root: string): BuildOptions;
/** Options for the Node entry points (CLI, bench). */
export function nodeBundleOptions(root: string): BuildOptions;
/** The Node entry points: name -> source. */
export const NODE_ENTRIES: Record<string, string>;
/** The entry points of the offline bundle. */
export const BUNDLE_ENTRIES: string[];
