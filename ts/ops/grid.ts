// A 2D grid of workgroups covering `groups` workgroups (WebGPU caps each dimension at 65535).
export function grid2d(groups: number, maxPerDim = 65535): [number, number] {
  if (groups <= maxPerDim) return [Math.max(1, groups), 1];
  const y = Math.ceil(groups / maxPerDim);
  return [Math.ceil(groups / y), y];
}

/**
 * Splits n f32 elements into windows that can each be bound on their own: at most
 * maxBindingBytes (the adapter's maxStorageBufferBindingSize) and starting at multiples of
 * `granule` elements (a multiple of 64 keeps offsets 256-byte aligned).
 */
export function bindingWindows(n: number, maxBindingBytes: number, granule = 64): { start: number; len: number }[] {
  const size = Math.floor(maxBindingBytes / 4 / granule) * granule;
  if (size < granule)
    throw new Error(`bindingWindows: a binding of ${maxBindingBytes} bytes cannot hold a window of ${granule} floats`);
  const out: { start: number; len: number }[] = [];
  for (let start = 0; start < n; start += size) out.push({ start, len: Math.min(size, n - start) });
  return out;
}
