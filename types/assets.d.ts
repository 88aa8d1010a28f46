// WGSL sources and the engine's WebAssembly are bundled (esbuild loaders / the vitest plugin in
// vitest.config.ts), so the browser build needs no file system.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}

// Compiled in by scripts/build-info.mjs (esbuild and vitest `define`).
declare const __ENGINE_VERSION__: string;
declare const __ENGINE_COMMIT__: string | null;
