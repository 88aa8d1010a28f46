// `repro compare` for kernel fingerprints: are two the same bits, and if not, which kernel outputs
// differ, how far each is from the float64 reference, and whether the engine or the adapter changed
// (a code change or a vendor difference).
import type { EngineIdentity } from '../util/provenance.js';
import { KERNELS_FORMAT, type KernelEntry, type KernelFingerprint } from './kernels.js';

export interface KernelDifference {
  name: string;
  sha256: [string, string];
  maxUlp: [number, number];
  maxRelError: [number, number];
}

export interface KernelComparison {
  format: 'reasoning-engine-kernel-comparison/1';
  identical: boolean;
  labels: [string, string];
  adapters: [string, string];
  /** What differs between the two producers: engine builds (shaders, wasm, version) and/or adapters. */
  engineDiffers: string[];
  /** The adapter fields that differ (adapterDifferences). */
  adapterDiffers: string[];
  seedDiffers: boolean;
  /** Outputs both have whose hashes differ, in fingerprint order. */
  differing: KernelDifference[];
  same: number;
  onlyIn: [string[], string[]];
}

/** Throws a one-line error when `value` is not a kernel fingerprint (`what` names the file). */
export function checkFingerprint(value: unknown, what: string): KernelFingerprint {
  const f = value as KernelFingerprint;
  if (f?.format !== KERNELS_FORMAT || !Array.isArray(f.kernels))
    throw new Error(`${what} is not a kernel fingerprint (format ${KERNELS_FORMAT}); write one with \`repro kernels\``);
  return f;
}

export function compareKernels(
  a: KernelFingerprint,
  b: KernelFingerprint,
  labels: [string, string] = ['A', 'B'],
): KernelComparison {
  const byName = new Map(b.kernels.map((k) => [k.name, k]));
  const names = new Set(a.kernels.map((k) => k.name));
  const differing: KernelDifference[] = [];
  let same = 0;
  for (const x of a.kernels) {
    const y = byName.get(x.name);
    if (!y) continue;
    if (x.sha256 === y.sha256) same++;
    else differing.push(difference(x, y));
  }
  const onlyIn: [string[], string[]] = [
    a.kernels.filter((k) => !byName.has(k.name)).map((k) => k.name),
    b.kernels.filter((k) => !names.has(k.name)).map((k) => k.name),
  ];
  return {
    format: 'reasoning-engine-kernel-comparison/1',
    identical: !differing.length && !onlyIn[0].length && !onlyIn[1].length,
    labels,
    adapters: [a.adapter.description || a.adapter.name, b.adapter.description || b.adapter.name],
    engineDiffers: engineDifferences(a.engine, b.engine),
    adapterDiffers: adapterDifferences(a.adapter, b.adapter),
    seedDiffers: a.seed !== b.seed,
    differing,
    same,
    onlyIn,
  };
}

/** The fields of two engine identities that differ (version, commit, shaders, wasm): a code change. */
export function engineDifferences(a?: EngineIdentity, b?: EngineIdentity): string[] {
  return (['version', 'commit', 'shadersSha256', 'wasmSha256'] as const).filter((k) => a?.[k] !== b?.[k]);
}

/**
 * The adapter fields two fingerprints record differently. A field one of them leaves empty is not a
 * difference: a browser leaves the name, device and description blank where Node's Dawn fills them.
 */
export function adapterDifferences(a: object, b: object): string[] {
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const blank = (v: unknown) => v === undefined || v === null || v === '';
  return [...new Set([...Object.keys(x), ...Object.keys(y)])]
    .filter((k) => !blank(x[k]) && !blank(y[k]) && JSON.stringify(x[k]) !== JSON.stringify(y[k]))
    .sort();
}

function difference(x: KernelEntry, y: KernelEntry): KernelDifference {
  return {
    name: x.name,
    sha256: [x.sha256, y.sha256],
    maxUlp: [x.maxUlp, y.maxUlp],
    maxRelError: [x.maxRelError, y.maxRelError],
  };
}

/** The comparison as a markdown report. */
export function kernelReport(c: KernelComparison): string {
  const [la, lb] = c.labels;
  const lines = [
    `# Kernel fingerprints: ${la} vs ${lb}`,
    '',
    `- ${la}: ${c.adapters[0]}`,
    `- ${lb}: ${c.adapters[1]}`,
    `- engine: ${c.engineDiffers.length ? `differs (${c.engineDiffers.join(', ')}): a code change` : 'the same build'}`,
    `- adapter: ${c.adapterDiffers.length ? `differs (${c.adapterDiffers.join(', ')})` : 'the same'}${c.seedDiffers ? '; the seeds differ (different inputs)' : ''}`,
    '',
    c.identical
      ? `**Identical**: all ${c.same} kernel outputs have the same bytes.`
      : c.differing.length
        ? `**Not identical**: ${c.differing.length} of ${c.same + c.differing.length} kernel outputs differ.`
        : `**Identical where both ran**: all ${c.same} outputs both have are the same bytes; ` +
          `${c.onlyIn[0].length + c.onlyIn[1].length} ran on one side only (a feature the other lacks, listed below).`,
  ];
  if (c.differing.length) {
    const e = (x: number) => x.toExponential(2);
    lines.push(
      '',
      `| kernel output | max ULP ${la} | max ULP ${lb} | rel. error ${la} | rel. error ${lb} |`,
      '|---|---:|---:|---:|---:|',
      ...c.differing.map(
        (d) => `| ${d.name} | ${d.maxUlp[0]} | ${d.maxUlp[1]} | ${e(d.maxRelError[0])} | ${e(d.maxRelError[1])} |`,
      ),
      '',
      'ULP and relative error are to the float64 reference (ts/ref), per fingerprint.',
    );
  }
  for (const [i, only] of c.onlyIn.entries())
    if (only.length) lines.push('', `Only in ${c.labels[i]}: ${only.join(', ')}`);
  return lines.join('\n') + '\n';
}
