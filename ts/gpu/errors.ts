// GPU failures surface as exceptions that name the shader (or batch of shaders) and carry Dawn's
// or the browser's own message, never as silent zeros.
export class GpuError extends Error {
  constructor(
    message: string,
    readonly kind: 'compile' | 'validation' | 'out-of-memory' | 'internal' | 'device-lost' | 'limit',
    readonly shader?: string,
  ) {
    super(message);
    this.name = 'GpuError';
  }
}
