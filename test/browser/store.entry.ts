// Browser side of the OPFS store test: the store contract, with FileSystemFileHandle.move and with
// the copy that browsers without it use, each case in a directory of its own.
import { OpfsStore } from '../../ts/store/opfs.js';
import { type StoreCaseResult, storeContract } from '../util/store-contract.js';

async function run() {
  const results: StoreCaseResult[] = [];
  for (const nativeMove of [true, false]) {
    for (const [i, c] of storeContract.entries()) {
      const dir = `contract/${nativeMove ? 'move' : 'copy'}/${i}`;
      const fixture = { store: await OpfsStore.open(dir, { nativeMove }), other: await OpfsStore.open(dir), root: '' };
      const error = await c.run(fixture).then(
        () => undefined,
        (e: Error) => e.message,
      );
      results.push({ name: `${nativeMove ? 'move' : 'copy'}: ${c.name}`, error });
    }
  }
  const nativeMove = 'move' in FileSystemFileHandle.prototype;
  return { results, refusals: await refusals(), nativeMove, userAgent: navigator.userAgent };
}

/** What bad paths give: each call's error message. */
async function refusals(): Promise<Record<string, string>> {
  const s = await OpfsStore.open('refusals');
  await s.write('a/f', 'x');
  const attempts: Record<string, () => Promise<unknown>> = {
    'write under a file': () => s.write('a/f/g', 'y'),
    'write over a directory': () => s.write('a', 'y'),
    'read a directory': () => s.read('a'),
    'rename the root': () => s.rename('', 'b'),
    'rename into itself': () => s.rename('a', 'a/inner'),
    'rename a missing path': () => s.rename('nothing', 'b'),
    'leave the store': () => s.read('../outside'),
  };
  const out: Record<string, string> = {};
  for (const [what, attempt] of Object.entries(attempts)) {
    out[what] = await attempt().then(
      () => 'no error',
      (e: Error) => e.message,
    );
  }
  return out;
}

(globalThis as unknown as { __result: unknown }).__result = run();
