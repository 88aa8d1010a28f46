// Fingerprint files of either kind (`repro run` or `repro kernels`), told apart by their format and
// compared like with like: what `repro compare` and the site's Reproducibility page both show.
import { checkFingerprint, compareKernels, kernelReport, type KernelComparison } from './compare.js';
import {
  checkProtocolFingerprint,
  compareProtocolRuns,
  protocolReport,
  type ProtocolComparison,
} from './compare-protocol.js';
import { KERNELS_FORMAT } from './kernels.js';
import { FINGERPRINT_FORMAT } from './protocol.js';

export type Fingerprint = { kind: 'kernels' | 'protocol'; value: unknown };

/** A parsed fingerprint file of either kind, or a one-line error naming `what` and what is wrong. */
export function fingerprintOf(value: unknown, what: string): Fingerprint {
  const format = (value as { format?: unknown } | null)?.format;
  if (format === KERNELS_FORMAT) return { kind: 'kernels', value: checkFingerprint(value, what) };
  if (format === FINGERPRINT_FORMAT) return { kind: 'protocol', value: checkProtocolFingerprint(value, what) };
  throw new Error(
    `${what} is not a fingerprint (format ${JSON.stringify(format)}); write one with \`repro run\` or \`repro kernels\``,
  );
}

export type FingerprintComparison =
  | { kind: 'kernels'; report: string; json: KernelComparison }
  | { kind: 'protocol'; report: string; json: ProtocolComparison };

/** Compares two fingerprints of the same kind: the markdown report and the comparison. */
export function compareFingerprints(a: Fingerprint, b: Fingerprint, labels: [string, string]): FingerprintComparison {
  if (a.kind !== b.kind)
    throw new Error(`${labels[0]} is a ${a.kind} fingerprint and ${labels[1]} a ${b.kind} one: compare like with like`);
  if (a.kind === 'kernels') {
    const c = compareKernels(checkFingerprint(a.value, labels[0]), checkFingerprint(b.value, labels[1]), labels);
    return { kind: 'kernels', report: kernelReport(c), json: c };
  }
  const [pa, pb] = [checkProtocolFingerprint(a.value, labels[0]), checkProtocolFingerprint(b.value, labels[1])];
  const c = compareProtocolRuns(pa, pb, labels);
  return { kind: 'protocol', report: protocolReport(c), json: c };
}
