// Kernel variants per device: the ones a caller forces (option, or ENGINE_MATMUL / ENGINE_ATTENTION in Node), the cache
// of start-up trials (a file in Node, ts/io/kernel-cache.ts; memory by default, as in a browser),
// and the ones chosen (ts/ops/select.ts), which results record as provenance.

/** Trial results by key (the adapter, the engine's shaders, the shapes): a variant's name. */
export interface KernelCache {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** A cache that lives as long as the process (or page). */
export function memoryCache(): KernelCache {
  const m = new Map<string, string>();
  return {
    get: async (k) => m.get(k),
    set: async (k, v) => void m.set(k, v),
  };
}
