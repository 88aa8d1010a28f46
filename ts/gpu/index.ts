export {
  type AdapterChoice,
  type AdapterEntry,
  type GpuProvider,
  classify,
  listAdapters,
  pickAdapter,
  setGpuProvider,
} from './adapters.js';
export { Gpu, type GpuOptions, type Binding, type Dispatch, type TypedArray } from './device.js';
export { GpuError } from './errors.js';
export { ENGINE_LIMITS, missingLimit } from './limits.js';
export { type Kernel, type Constants } from './kernel.js';
export { BufferPool } from './pool.js';
export { Params } from './params.js';
