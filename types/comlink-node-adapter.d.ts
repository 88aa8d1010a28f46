// comlink's Node adapter (worker_threads ports as comlink endpoints) ships its types beside the
// UMD build only; the ESM file harness/worker/node.ts imports gets them from there.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  export { default } from 'comlink/dist/umd/node-adapter';
}
