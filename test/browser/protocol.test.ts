// Node <-> browser identity of the whole protocol (issue 13): the tiny protocol's fingerprint made in
// headless Chromium (its WebGPU on SwiftShader) is the same bits as Node's on SwiftShader (Dawn):
// every step's metrics, every tensor at every checkpoint, every sampled id, the evaluation's counts.
// Node's is the committed reference, which test/gpu/protocol.test.ts checks a fresh Node run against.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { compareProtocolRuns, protocolReport } from '../../ts/repro/compare-protocol.js';
import { reproducible, type ProtocolFingerprint } from '../../ts/repro/protocol.js';
import { runInBrowser } from './harness.js';

const REFERENCE = join(resolve(import.meta.dirname, '../..'), 'harness/repro/fingerprints/tiny-swiftshader.json');

describe('the tiny protocol in Chromium and in Node, both on SwiftShader', () => {
  let browser: ProtocolFingerprint & { error?: string };
  let node: ProtocolFingerprint;
  beforeAll(async () => {
    browser = await runInBrowser('test/browser/protocol.entry.ts', 170_000);
    node = JSON.parse(readFileSync(REFERENCE, 'utf8'));
  });

  it('ran in Chromium on SwiftShader, the protocol the reference ran', () => {
    expect(browser.error).toBeUndefined();
    expect(browser.adapter.kind).toBe('swiftshader');
    expect(browser.protocol, 'the protocol changed: regenerate with `npm run repro:references`').toEqual(node.protocol);
  });

  it("gives Node's fingerprint over the whole protocol", () => {
    const c = compareProtocolRuns(node, browser, ['node', 'chromium']);
    expect(c.events).toBeGreaterThan(10);
    expect(c.identical, protocolReport(c)).toBe(true);
    expect(reproducible(browser)).toEqual(reproducible(node));
  });
});
