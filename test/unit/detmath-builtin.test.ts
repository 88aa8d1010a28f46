// The bench-only switch to the platform's exp and log (setTranscendentals, issue 13's cost check): the
// stand-in exports what shaders/detmath.wgsl exports, and a kernel built with withDetMath compiles the
// other source under another pipeline key in 'builtin' mode, while other kernels are untouched.
import { afterEach, describe, expect, it } from 'vitest';
import builtin from '../../shaders/detmath-builtin.wgsl';
import detmath from '../../shaders/detmath.wgsl';
import { type Kernel, kernelKey, kernelSource, setTranscendentals, withDetMath } from '../../ts/gpu/kernel.js';

/** `fn det_*` signatures (name, parameters, return type), whitespace folded. */
function exported(wgsl: string): string[] {
  const fns = [...wgsl.matchAll(/fn\s+(det_\w+)\s*\(([^)]*)\)\s*->\s*([\w<>]+)/g)];
  return fns.map(([, name, params, ret]) => `${name}(${params.replace(/\s+/g, ' ').trim()}) -> ${ret}`).sort();
}

const body = 'fn main() { let y = det_exp(1.0); }';
const withMath: Kernel = { name: 'k', source: withDetMath(body), entry: 'main' };
const plain: Kernel = { name: 'p', source: body.replace('det_exp', 'exp'), entry: 'main' };

afterEach(() => setTranscendentals('deterministic'));

describe('builtin transcendentals (bench only)', () => {
  it('detmath-builtin.wgsl exports every det_ function of detmath.wgsl, same signatures', () => {
    expect(exported(detmath)).toContain('det_exp(x: f32) -> f32');
    expect(exported(builtin)).toEqual(exported(detmath));
  });

  it('swaps the detmath source and the pipeline key of withDetMath kernels only', () => {
    const detKey = kernelKey(withMath, { WG: 64 });
    const plainKey = kernelKey(plain);
    expect(kernelSource(withMath)).toBe(withMath.source);
    setTranscendentals('builtin');
    expect(kernelSource(withMath)).toBe(`${builtin}\n${body}`);
    expect(kernelSource(withMath)).not.toContain('dm_mulq');
    expect(kernelKey(withMath, { WG: 64 })).not.toBe(detKey);
    expect(kernelSource(plain)).toBe(plain.source);
    expect(kernelKey(plain)).toBe(plainKey);
    setTranscendentals('deterministic');
    expect(kernelKey(withMath, { WG: 64 })).toBe(detKey);
    expect(kernelSource(withMath)).toBe(withMath.source);
  });

  it('rejects an unknown mode', () => {
    expect(() => setTranscendentals('fast' as 'builtin')).toThrow(/must be 'deterministic' or 'builtin', got 'fast'/);
  });
});
