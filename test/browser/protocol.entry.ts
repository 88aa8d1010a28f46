// In Chromium (its WebGPU on SwiftShader): the tiny protocol run on the page's GPU, as a site page
// would run it on a visitor's, and its fingerprint reported for Node to compare.
import protocolText from '../../harness/repro/protocols/tiny.json' with { type: 'text' };
import { Gpu } from '../../ts/gpu/index.js';
import { loadProtocol, runProtocol } from '../../ts/repro/protocol.js';

async function run() {
  const gpu = await Gpu.create({ announce: false });
  // esbuild hands the file over as text (the import attribute), so the hash is that of its bytes;
  // TypeScript types every JSON import as the parsed value.
  const protocol = await loadProtocol(protocolText as unknown as string, 'tiny.json');
  return runProtocol(gpu, protocol);
}

(globalThis as { __result?: unknown }).__result = run().catch((e) => ({ error: String(e?.stack ?? e) }));
