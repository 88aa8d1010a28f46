// The run store contract (test/util/store-contract.ts) on the Origin Private File System, in Chromium.
import { beforeAll, describe, expect, it } from 'vitest';
import { type StoreCaseResult, storeContract } from '../util/store-contract.js';
import { runInBrowser } from './harness.js';

describe('OpfsStore in Chromium', () => {
  let got: { results: StoreCaseResult[]; nativeMove: boolean; userAgent: string };
  beforeAll(async () => {
    got = await runInBrowser('test/browser/store.entry.ts');
  });

  it('ran in Chromium, which has FileSystemFileHandle.move (so both rename paths ran)', () => {
    expect(got.userAgent).toMatch(/Chrome/);
    expect(got.nativeMove).toBe(true);
    expect(got.results).toHaveLength(2 * storeContract.length);
  });

  for (const variant of ['move', 'copy']) {
    for (const c of storeContract) {
      it(`${variant}: ${c.name}`, () => {
        const r = got.results.find((x) => x.name === `${variant}: ${c.name}`);
        expect(r).toBeDefined();
        expect(r?.error).toBeUndefined();
      });
    }
  }
});
