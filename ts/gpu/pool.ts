// Reuses buffers by (size bucket, usage): temporaries and staging buffers come back every step.
export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();

  constructor(private readonly device: GPUDevice) {}

  /** Sizes round up to a power-of-two bucket (at least 256 bytes), so close sizes share buffers. */
  static bucket(bytes: number): number {
    return Math.max(256, 2 ** Math.ceil(Math.log2(Math.max(1, bytes))));
  }

  acquire(bytes: number, usage: number, label = 'pooled'): GPUBuffer {
    const size = BufferPool.bucket(bytes);
    const list = this.free.get(`${size}:${usage}`);
    return list?.pop() ?? this.device.createBuffer({ size, usage, label });
  }

  release(buf: GPUBuffer): void {
    const key = `${buf.size}:${buf.usage}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buf);
  }

  /** Destroys every pooled buffer (e.g. between benchmark sizes). */
  clear(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
  }
}
