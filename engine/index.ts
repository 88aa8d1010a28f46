// The task world's WebAssembly entry: each module re-exports its public functions here.
export function engineVersion(): i32 {
  return 1;
}
export * from './tokenizer/index';
export * from './gen/index';
export * from './verify/index';
