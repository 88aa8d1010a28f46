/** esbuild / vite `define` entries: __ENGINE_VERSION__ and __ENGINE_COMMIT__ (see build-info.mjs). */
export function buildDefines(root: string): Record<string, string>;
