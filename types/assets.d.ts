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
