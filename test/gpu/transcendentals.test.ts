// The bench-only switch setTranscendentals (ts/gpu/kernel.ts, issue 13's cost check) really changes
// the compiled code: swiglu's output in 'deterministic' mode equals its bit-exact model on det_exp
// (ts/ref/detmath.ts), in 'builtin' mode it differs where the platform's exp does, and switching
// back gets the deterministic pipeline again (the pipeline cache keeps the two modes apart).
import { afterEach, describe, expect, it } from 'vitest';
import { setTranscendentals } from '../../ts/gpu/kernel.js';
import { swiglu } from '../../ts/ops/swiglu.js';
import { detExp, f32Bits } from '../../ts/ref/detmath.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const N = 4096;
const f = Math.fround;

/** swiglu.wgsl's forward in f32, step for step, on det_exp: h = g · (1 / (1 + e^-g)) · up. */
const model = (g: number, up: number) => f(f(g * f(1 / f(1 + detExp(-g)))) * up);

afterEach(() => setTranscendentals('deterministic'));

describe(`transcendentals switch (seed ${seed})`, () => {
  it("swiglu follows det_exp by default and the platform's exp in 'builtin' mode", async () => {
    const g = await testGpu();
    const gate = randomArray(N, rand, -8, 8),
      up = randomArray(N, rand, -2, 2);
    const gb = g.upload(gate),
      ub = g.upload(up),
      h = g.buffer(N * 4);
    const forward = async () => {
      await g.run([swiglu({ gate: gb, up: ub, h, n: N })]);
      return Array.from(await g.read(h, Float32Array), f32Bits);
    };
    const want = Array.from(gate, (x, i) => f32Bits(model(x, up[i])));
    const det = await forward();
    setTranscendentals('builtin');
    const builtin = await forward();
    setTranscendentals('deterministic');
    const detAgain = await forward();
    expect(det).toEqual(want);
    const differ = builtin.filter((b, i) => b !== want[i]).length;
    process.stderr.write(`[transcendentals] builtin exp changes ${differ} of ${N} swiglu outputs\n`);
    expect(differ).toBeGreaterThan(0);
    expect(detAgain).toEqual(want);
  });
});
