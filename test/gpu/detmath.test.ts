// shaders/detmath.wgsl on the adapter against its bit-exact JS model (ts/ref/detmath.ts): det_exp and
// det_log give the same bits on every adapter, whatever its builtin exp and log do.
import { describe, expect, it } from 'vitest';
import detmath from '../../shaders/detmath.wgsl';
import { withDetMath, type Kernel } from '../../ts/gpu/kernel.js';
import { bitsF32, detExp, detLog, f32Bits } from '../../ts/ref/detmath.js';
import { rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';

const seed = testSeed();
const rand = rng(seed);
const N = 1 << 16;

const kernel: Kernel = {
  name: 'detmath-test',
  source: withDetMath(`
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> ex: array<f32>;
@group(0) @binding(2) var<storage, read_write> lg: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) {
  ex[id.x] = det_exp(x[id.x]);
  lg[id.x] = det_log(x[id.x]);
}`),
  entry: 'main',
};

/** Inputs the kernels feed them (softmax exponents, sums >= 1), all magnitudes, and the edge cases. */
function inputs(): Float32Array {
  const x = new Float32Array(N);
  const edges = [0, -0, 1, -1, 88.72283, 88.7229, -87.33654, -87.3366, -103.9, 96, -96, 1e-30, 1.0000001, 0.99999994];
  x.set(edges);
  for (let i = edges.length; i < N; i++) {
    const r = rand();
    if (i % 3 === 0)
      x[i] = -30 * r; // x - max
    else if (i % 3 === 1)
      x[i] = 1 + 1000 * r ** 4; // a sum of exps
    else x[i] = bitsF32((rand() * 0xff800000) >>> 0); // any finite f32 bit pattern, either sign
  }
  return x;
}

/** How many of `x` give other bits than the model, through a kernel on `source` (detmath.wgsl's or not). */
async function expMismatches(source: string, x: Float32Array): Promise<number> {
  const g = await testGpu();
  const k: Kernel = {
    name: 'detmath-exp-test',
    entry: 'main',
    source: `${source}
@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> ex: array<f32>;
@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) id: vec3u) { ex[id.x] = det_exp(x[id.x]); }`,
  };
  const ex = g.buffer(x.length * 4);
  await g.run([{ kernel: k, buffers: [g.upload(x), ex], workgroups: [x.length / 64] }]);
  const got = await g.read(ex, Float32Array);
  return got.filter((v, i) => f32Bits(v) !== f32Bits(Math.fround(detExp(x[i])))).length;
}

function mismatch(got: Float32Array, x: Float32Array, model: (v: number) => number): string | undefined {
  for (let i = 0; i < x.length; i++) {
    const want = Math.fround(model(x[i]));
    const same = Number.isNaN(want) ? Number.isNaN(got[i]) : f32Bits(got[i]) === f32Bits(want);
    if (!same) return `x=${x[i]} (bits 0x${f32Bits(x[i]).toString(16)}): got ${got[i]}, model ${want}`;
  }
  return undefined;
}

describe(`detmath (seed ${seed})`, () => {
  it('det_exp and det_log match the JS model bit for bit', async () => {
    const g = await testGpu();
    const x = inputs();
    const ex = g.buffer(N * 4),
      lg = g.buffer(N * 4);
    await g.run([{ kernel, buffers: [g.upload(x), ex, lg], workgroups: [N / 64] }]);
    expect(mismatch(await g.read(ex, Float32Array), x, detExp)).toBeUndefined();
    expect(mismatch(await g.read(lg, Float32Array), x, detLog)).toBeUndefined();
  });

  // Without the xor, lavapipe's compiler rewrites det_exp's float expressions (Mesa's NIR applies its
  // inexact algebraic rules, fusion among them, to float operations SPIR-V leaves unmarked), and about
  // 5% of results change; SwiftShader does not. The zero xor is what keeps the two the same.
  it('keeps its bits only through dm_mul: without the zero xor, lavapipe rewrites it and differs', async () => {
    const g = await testGpu();
    const x = new Float32Array(1 << 14).map(() => 60 * (rand() - 0.5));
    expect(await expMismatches(detmath, x)).toBe(0);
    const unguarded = detmath.replace('bitcast<u32>(a * b) ^ dm_zero', 'bitcast<u32>(a * b)');
    expect(unguarded).not.toBe(detmath);
    expect((await expMismatches(unguarded, x)) > 0).toBe(g.adapterKind === 'lavapipe');
  });
});
