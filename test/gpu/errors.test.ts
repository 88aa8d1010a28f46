// GPU failures must come back as exceptions naming the shader (or buffer) and the problem.
import { describe, expect, it } from 'vitest';
import { Gpu, GpuError } from '../../ts/gpu/index.js';
import { binary } from '../../ts/ops/elementwise.js';
import { matmul } from '../../ts/ops/matmul.js';
import { testGpu } from './setup.js';

async function caught(p: Promise<unknown>): Promise<GpuError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(GpuError);
    return e as GpuError;
  }
  throw new Error('expected a GpuError, but the call succeeded');
}

describe('GPU errors', () => {
  it('a WGSL compile error names the shader, line and message', async () => {
    const g = await testGpu();
    const kernel = {
      name: 'broken_shader',
      entry: 'main',
      source: '@compute @workgroup_size(1)\nfn main() {\n  let x: f32 = undefined_name;\n}\n',
    };
    const e = await caught(g.run([{ kernel, buffers: [], workgroups: [1] }]));
    expect(e.kind).toBe('compile');
    expect(e.shader).toBe('broken_shader');
    expect(e.message).toMatch(/broken_shader\.wgsl:3:\d+: .*undefined_name/);
  });

  it('a wrong entry point names the shader', async () => {
    const g = await testGpu();
    const kernel = { name: 'no_entry', entry: 'missing', source: '@compute @workgroup_size(1) fn main() {}' };
    const e = await caught(g.run([{ kernel, buffers: [], workgroups: [1] }]));
    expect(e.shader).toBe('no_entry');
    expect(e.message).toMatch(/missing/);
  });

  it('a missing binding names the shader and the bind group problem', async () => {
    const g = await testGpu();
    const a = g.buffer(64),
      b = g.buffer(64);
    const d = matmul({ a, b, c: g.buffer(64), M: 4, N: 4, K: 4 });
    const e = await caught(g.run([{ ...d, buffers: [a, b] }]));
    expect(e.kind).toBe('validation');
    expect(e.shader).toBe('matmul');
    expect(e.message).toMatch(/matmul/);
    expect(e.message.toLowerCase()).toMatch(/bind ?group|binding|entries/);
  });

  it('one buffer bound as both input and output is refused, naming the shader', async () => {
    const g = await testGpu();
    const x = g.buffer(64);
    const e = await caught(g.run([binary('add', x, x, x, 16)]));
    expect(e.kind).toBe('validation');
    expect(e.shader).toBe('elementwise');
  });

  it('a buffer over the storage binding limit names the shader and the limit', async () => {
    const g = await testGpu();
    const limit = g.limits.maxStorageBufferBindingSize;
    if (limit + 256 > g.limits.maxBufferSize) {
      // SwiftShader: no buffer can exceed the binding limit; creation itself is what fails.
      const e = await caught(Promise.resolve().then(() => g.buffer(limit + 256, 'too_big')));
      expect(e.message).toMatch(/buffer 'too_big' .* maxBufferSize/);
      return;
    }
    // Created directly (our allocator refuses it up front, see below), then bound to a shader.
    const big = g.device.createBuffer({ size: limit + 256, usage: GPUBufferUsage.STORAGE });
    const e = await caught(g.run([binary('add', big, g.buffer(64), g.buffer(64), 16)]));
    expect(e.shader).toBe('elementwise');
    expect(e.message).toMatch(/maxStorageBufferBindingSize|binding size|larger than/i);
    big.destroy();
  });

  it("the allocator refuses a buffer over the adapter's maxBufferSize by name", async () => {
    const g = await testGpu();
    try {
      g.buffer(g.limits.maxBufferSize + 4, 'weights');
      throw new Error('no error');
    } catch (e) {
      expect((e as GpuError).kind).toBe('limit');
      expect((e as Error).message).toMatch(/buffer 'weights' needs \d+ bytes, over the adapter's maxBufferSize/);
    }
  });

  it('device loss is reported on the next call', async () => {
    const g = await Gpu.create({ announce: false });
    const x = g.buffer(64);
    g.device.destroy();
    await new Promise((r) => setTimeout(r, 50));
    const e = await caught(g.read(x, Float32Array));
    expect(e.kind).toBe('device-lost');
    expect(e.message).toMatch(/device lost/i);
  });
});
