// Flat buffers larger than one binding (the 100M model's 412 MB of parameters on lavapipe, whose
// bindings stop at 128 MiB): AdamW, the gradient norm and fills in windows must give exactly what
// one binding gives. Small windows stand in for the adapter's limit.
import { describe, expect, it } from 'vitest';
import { adamw } from '../../ts/ops/adamw.js';
import { gradNorm, gradNormPartials } from '../../ts/ops/grad_norm.js';
import { bindingWindows } from '../../ts/ops/grid.js';
import { CHUNK } from '../../ts/ops/reduce.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);

describe(`windowed flat-buffer ops (seed ${seed})`, () => {
  it('bindingWindows covers every element once, aligned, within the limit', () => {
    const w = bindingWindows(1000, 1024, 64);
    expect(w).toEqual([
      { start: 0, len: 256 },
      { start: 256, len: 256 },
      { start: 512, len: 256 },
      { start: 768, len: 232 },
    ]);
    expect(() => bindingWindows(10, 100, 64)).toThrow(/cannot hold/);
  });

  it('gradNorm in windows equals gradNorm over one binding, bit for bit', async () => {
    const g = await testGpu();
    const n = 3 * CHUNK * 64 + 12345; // four windows of 64 chunks
    const grads = g.upload(randomArray(n, rand));
    const run = async (maxBindingBytes?: number) => {
      const stats = g.buffer(8),
        partials = g.buffer(gradNormPartials(n) * 4 + 256);
      await g.run(gradNorm({ grads, n, partials, stats, maxNorm: 1, maxBindingBytes }));
      return g.read(stats, Uint32Array);
    };
    const whole = await run();
    const windowed = await run(CHUNK * 64 * 4);
    expect(Array.from(windowed)).toEqual(Array.from(whole));
  });

  it('AdamW in windows equals AdamW over one binding, bit for bit', async () => {
    const g = await testGpu();
    const n = 64 * 300;
    const ranges = [
      { offset: 0, size: 64 * 120, decay: true },
      { offset: 64 * 121, size: 64 * 100 + 8, decay: false },
      { offset: 64 * 230, size: 64 * 70, decay: true },
    ];
    const p = randomArray(n, rand),
      gr = randomArray(n, rand),
      m = randomArray(n, rand, -0.1, 0.1),
      v = randomArray(n, rand, 0, 0.1);
    const clip = g.upload(new Float32Array([2, 0.5]));
    const run = async (maxBindingBytes?: number) => {
      const bufs = [g.upload(p), g.upload(gr), g.upload(m), g.upload(v)];
      await g.run(
        adamw({
          params: bufs[0],
          grads: bufs[1],
          m: bufs[2],
          v: bufs[3],
          clip,
          ranges,
          lr: 1e-2,
          beta1: 0.9,
          beta2: 0.95,
          eps: 1e-8,
          weightDecay: 0.1,
          step: 3,
          maxBindingBytes,
        }),
      );
      return Promise.all([bufs[0], bufs[2], bufs[3]].map((b) => g.read(b, Uint32Array)));
    };
    const whole = await run();
    const windowed = await run(64 * 4 * 16); // windows of 1024 elements
    for (let i = 0; i < 3; i++) expect(Array.from(windowed[i])).toEqual(Array.from(whole[i]));
  });
});
