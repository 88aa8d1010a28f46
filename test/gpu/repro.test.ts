// Kernel fingerprints (ts/repro): every entry point of every shader is fingerprinted, the hashes are
// stable run to run, the distances to the f64 reference are finite and small, a wrong output shows
// as a large ULP distance, and a comparison names the kernel whose output changed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dispatch, Gpu } from '../../ts/gpu/index.js';
import { matmul } from '../../ts/ops/matmul.js';
import { refMatmul } from '../../ts/ref/matmul.js';
import type { KernelCase } from '../../ts/repro/cases.js';
import { KERNEL_CASES } from '../../ts/repro/cases.js';
import { compareKernels, kernelReport } from '../../ts/repro/compare.js';
import { ULP_MISMATCH } from '../../ts/repro/distance.js';
import { fingerprintKernels, type KernelFingerprint } from '../../ts/repro/kernels.js';
import { engineIdentity } from '../../ts/util/provenance.js';
import { testGpu } from './setup.js';

const ROOT = resolve(import.meta.dirname, '../..');

// The device feature each WGSL `enable` needs.
const FEATURE_OF_ENABLE: Record<string, string> = { f16: 'shader-f16', subgroups: 'subgroups' };

/** Every entry point of shaders/, less those of shaders that enable what the adapter lacks. */
function entryPoints(g: Gpu): string[] {
  const read = (f: string) => readFileSync(join(ROOT, 'shaders', f), 'utf8');
  return readdirSync(join(ROOT, 'shaders'))
    .filter((f) => f.endsWith('.wgsl'))
    .filter((f) =>
      [...read(f).matchAll(/^enable (\w+);/gm)].every((m) => g.device.features.has(FEATURE_OF_ENABLE[m[1]])),
    )
    .flatMap((f) => [...read(f).matchAll(/@compute[^{]*?\bfn\s+(\w+)/g)].map((m) => `${f.slice(0, -5)}.${m[1]}`))
    .sort();
}

/** Runs the fingerprint while recording which shader entry points were dispatched. */
async function fingerprintRecording(g: Gpu, cases?: KernelCase[]): Promise<{ f: KernelFingerprint; ran: string[] }> {
  const ran = new Set<string>();
  const run = g.run.bind(g);
  g.run = (ds: Dispatch[]) => {
    for (const d of ds) ran.add(`${d.kernel.name}.${d.kernel.entry}`);
    return run(ds);
  };
  try {
    return { f: await fingerprintKernels(g, { cases }), ran: [...ran].sort() };
  } finally {
    g.run = run;
  }
}

/** A case whose first output is off by one ULP in its first element: a kernel that changed. */
function oneUlpOff(k: KernelCase): KernelCase {
  return {
    ...k,
    async run(c) {
      const outs = await k.run(c);
      const bits = new Uint32Array(outs[0].got.buffer, outs[0].got.byteOffset, 1);
      bits[0] += 1;
      return outs;
    },
  };
}

describe('kernel fingerprints', () => {
  let first: KernelFingerprint;

  it('runs every entry point of every shader, with finite, small distances to the f64 reference', async () => {
    const g = await testGpu();
    const { f, ran } = await fingerprintRecording(g);
    first = f;
    expect(ran).toEqual(entryPoints(g));
    expect(new Set(f.kernels.map((k) => k.name)).size).toBe(f.kernels.length);
    for (const k of f.kernels) {
      expect(k.sha256, k.name).toMatch(/^[0-9a-f]{64}$/);
      expect(k.elements, k.name).toBeGreaterThan(0);
      // f32 kernels: far from a mismatch, and within a few f32 roundings relative to the output's scale.
      expect(k.maxUlp, k.name).toBeLessThan(1e4);
      expect(k.maxRelError, k.name).toBeLessThan(1e-5);
    }
    expect(f.engine).toEqual(await engineIdentity());
    expect(f.adapter).toMatchObject({ name: g.adapterName, kind: g.adapterKind, subgroupMinSize: g.subgroupSize.min });
  });

  it('gives the same hashes and distances run after run', async () => {
    const g = await testGpu();
    const again = await fingerprintKernels(g);
    const strip = (f: KernelFingerprint) => ({ ...f, created: '' });
    expect(strip(again)).toEqual(strip(first));
    expect(compareKernels(first, again).identical).toBe(true);
  });

  it('the CLI writes the same fingerprint from another process, and one JSON line per output', async () => {
    const g = await testGpu();
    const out = join(mkdtempSync(join(tmpdir(), 'repro-')), 'k.json');
    const stdout = execFileSync(
      process.execPath,
      [join(ROOT, 'dist/node/cli.js'), 'repro', 'kernels', '--adapter', g.adapterName, '--out', out],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.slice(0, -1).map((l) => l.name)).toEqual(first.kernels.map((k) => k.name));
    expect(lines.at(-1)).toMatchObject({ kernels: 'done', outputs: first.kernels.length, out });
    const f = JSON.parse(readFileSync(out, 'utf8')) as KernelFingerprint;
    expect(compareKernels(first, f).differing).toEqual([]);
    expect(f.kernels).toEqual(first.kernels);
  });

  it('shows a wrong output as a large ULP distance', async () => {
    const g = await testGpu();
    const M = 8,
      N = 8,
      K = 8;
    const wrong = (name: string, alpha: number, rows: number): KernelCase => ({
      shader: 'matmul',
      shape: `M=${M} N=${N} K=${K}`,
      async run(c) {
        const a = c.random(M * K),
          b = c.random(K * N),
          out = c.out(M * N);
        await c.run([matmul({ a: c.upload(a), b: c.upload(b), c: out, M: rows, N, K, alpha })]);
        return [{ name, got: await c.read(out), want: refMatmul({ a, b, M, N, K }) }];
      },
    });
    const f = await fingerprintKernels(g, {
      cases: [wrong('scaled', 1 + 2 ** -10, M), wrong('row-left-unwritten', 1, M - 1), wrong('right', 1, M)],
    });
    const [scaled, unwritten, right] = f.kernels;
    expect(scaled.maxUlp).toBeGreaterThan(2 ** 12); // 2^-10 relative is 2^13 ULP of f32
    expect(scaled.maxRelError).toBeGreaterThan(2 ** -11);
    expect(unwritten.maxUlp).toBe(ULP_MISMATCH); // NaN where a number was due
    expect(right.maxUlp).toBeLessThan(2 ** 12);
  });

  it('a comparison names the kernel output that changed, in the report and through the CLI', async () => {
    const g = await testGpu();
    const cases = KERNEL_CASES.map((k) => (k.shader === 'swiglu' ? oneUlpOff(k) : k));
    const changed = await fingerprintKernels(g, { cases });
    const c = compareKernels(first, changed, ['base', 'changed']);
    expect(c.identical).toBe(false);
    expect(c.differing.map((d) => d.name)).toEqual(['swiglu.forward.h']);
    expect(c.engineDiffers).toEqual([]);
    expect(c.adapterDiffers).toEqual([]);
    expect(kernelReport(c)).toMatch(/\*\*Not identical\*\*: 1 of \d+ kernel outputs differ/);
    expect(kernelReport(c)).toContain('| swiglu.forward.h |');
    // An output one side lacks (cast.to_f16 without shader-f16) is listed, not counted as a difference.
    const fewer = compareKernels(first, { ...first, kernels: first.kernels.slice(1) }, ['all', 'fewer']);
    expect([fewer.identical, fewer.differing, fewer.onlyIn]).toEqual([false, [], [[first.kernels[0].name], []]]);
    expect(kernelReport(fewer)).toContain(`**Identical where both ran**: all ${first.kernels.length - 1} outputs`);

    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    writeFileSync(join(dir, 'a.json'), JSON.stringify(first));
    writeFileSync(join(dir, 'b.json'), JSON.stringify(changed));
    const stdout = execFileSync(
      process.execPath,
      [join(ROOT, 'dist/node/cli.js'), 'repro', 'compare', join(dir, 'a.json'), join(dir, 'b.json')].concat([
        '--out',
        join(dir, 'report.md'),
      ]),
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    );
    expect(JSON.parse(stdout)).toMatchObject({ identical: false, differing: ['swiglu.forward.h'] });
    expect(readFileSync(join(dir, 'report.md'), 'utf8')).toContain('| swiglu.forward.h |');
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).differing[0].name).toBe('swiglu.forward.h');
  });
});
