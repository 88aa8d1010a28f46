// Browser side of the golden-hash test.
import { goldenIds } from './generator-golden.js';

(globalThis as unknown as { __result: Promise<{ ids: string[]; userAgent: string }> }).__result = goldenIds().then(
  (ids) => ({
    ids,
    userAgent: navigator.userAgent,
  }),
);
