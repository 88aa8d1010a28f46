// The adapter limits the engine's kernels need, below which they cannot run: WebGPU's defaults,
// which every adapter of core WebGPU offers (a compatibility-mode adapter offers less). Gpu.create
// refuses an adapter short of one, naming it; a page checks its adapter with the same table before
// it starts the engine's worker.

export const ENGINE_LIMITS = {
  // attention's backward pass over keys and values binds 8 (q, k, v, lse, dO, delta, dk, dv).
  maxStorageBuffersPerShaderStage: 8,
  // AdamW and the elementwise kernels run 256 invocations per workgroup, in x.
  maxComputeInvocationsPerWorkgroup: 256,
  maxComputeWorkgroupSizeX: 256,
} as const;

/** Why an adapter with `limits` cannot run the engine (the first limit short), or undefined. */
export function missingLimit(limits: GPUSupportedLimits, adapter: string): string | undefined {
  for (const [name, need] of Object.entries(ENGINE_LIMITS)) {
    const has = limits[name as keyof typeof ENGINE_LIMITS];
    if (!(has >= need))
      return (
        `the WebGPU adapter '${adapter}' offers ${name} ${has}, below the ${need} the engine's kernels need; ` +
        'use a browser and GPU with full (core) WebGPU'
      );
  }
  return undefined;
}
