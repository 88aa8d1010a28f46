// Browser side of the OPFS store test: the store contract, with FileSystemFileHandle.move and with
// the copy that browsers without it use, each case in a directory of its own.
import { OpfsStore } from '../../ts/store/opfs.js';
import { type StoreCaseResult, storeContract } from '../util/store-contract.js';

async function run(): Promise<{ results: StoreCaseResult[]; nativeMove: boolean; userAgent: string }> {
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
  return { results, nativeMove, userAgent: navigator.userAgent };
}

(globalThis as unknown as { __result: unknown }).__result = run();
