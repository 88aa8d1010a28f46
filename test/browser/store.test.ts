// The run store contract (test/util/store-contract.ts) on the Origin Private File System, in Chromium.
import { beforeAll, describe, expect, it } from 'vitest';
import { type StoreCaseResult, storeContract } from '../util/store-contract.js';
import { runInBrowser } from './harness.js';

describe('OpfsStore in Chromium', () => {
  let got: { results: StoreCaseResult[]; refusals: Record<string, string>; nativeMove: boolean; userAgent: string };
  beforeAll(async () => {
    got = await runInBrowser('test/browser/store.entry.ts');
  });

  it('ran in Chromium, which has FileSystemFileHandle.move (so both rename paths ran)', () => {
    expect(got.userAgent).toMatch(/Chrome/);
    expect(got.nativeMove).toBe(true);
    expect(got.results).toHaveLength(2 * storeContract.length);
  });

  it('refuses bad paths with one line naming the path and the problem', () => {
    expect(got.refusals).toEqual({
      'write under a file': expect.stringMatching(/^cannot write a\/f\/g: a file stands where a directory is needed/),
      'write over a directory': 'cannot write a: it is a directory; give a file',
      'read a directory': 'cannot read a: it is a directory; give a file',
      'rename the root': 'cannot rename  to b: the root of a store stays where it is',
      'rename into itself': 'cannot rename a to a/inner: a directory cannot move into itself',
      'rename a missing path': 'cannot rename nothing: no such file or directory',
      'leave the store': "store path '../outside': '..' is not allowed; give a path inside the store",
    });
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
