// A small reusable browser harness: bundle a TypeScript entry with esbuild, serve it from
// http://localhost (WebGPU needs a secure context), and run it in Debian's Chromium through
// playwright-core. The entry reports by assigning a promise to `globalThis.__result`; runInBrowser
// returns what it resolves to (JSON-serializable). Browsers are never downloaded.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { chromium, type BrowserContext } from 'playwright-core';
import { commonOptions } from '../../scripts/esbuild-options.mjs';

export const CHROMIUM = '/usr/bin/chromium';

// WebGPU stays usable (SwiftShader through ANGLE/Vulkan); everything that phones home is off.
export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-angle=swiftshader',
  '--enable-features=Vulkan',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

const root = new URL('../..', import.meta.url).pathname;

/** Bundles an entry (path relative to the repository root) for the browser, wasm inlined. */
export async function bundle(entry: string): Promise<string> {
  const out = await esbuild.build({
    ...commonOptions(root), // WGSL as text, wasm as bytes, the engine identity: as every bundle
    entryPoints: [join(root, entry)],
    write: false,
    sourcemap: false, // one output file: the script
    platform: 'browser',
    target: 'es2022',
    external: ['webgpu', 'node:*'],
    logLevel: 'silent',
  });
  return out.outputFiles[0].text;
}

/** Serves the page at /, and each script of `scripts` (URL path -> code) at its path, queries ignored. */
function serve(scripts: Record<string, string>): Promise<{ server: Server; url: string }> {
  const page = '<!doctype html><meta charset="utf-8"><script type="module" src="/entry.js"></script>';
  const server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    const js = scripts[path];
    if (js === undefined && path !== '/') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': js !== undefined ? 'text/javascript' : 'text/html' }).end(js ?? page);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const addr = server.address();
      resolve({ server, url: `http://localhost:${typeof addr === 'object' && addr ? addr.port : 0}/` });
    }),
  );
}

/** Debian's Chromium, headless, in a fresh profile (removed by close()). */
export async function launchChromium(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'chromium-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Bundles `entry`, opens it in a fresh headless Chromium profile, and returns its __result. `more`
 * bundles other entries the page loads (URL path -> entry: a worker's script at '/worker.js').
 */
export async function runInBrowser<T>(
  entry: string,
  timeoutMs = 120_000,
  more: Record<string, string> = {},
): Promise<T> {
  const scripts: Record<string, string> = { '/entry.js': await bundle(entry) };
  for (const [path, file] of Object.entries(more)) scripts[path] = await bundle(file);
  const { server, url } = await serve(scripts);
  const { context, close } = await launchChromium();
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(url);
    await page.waitForFunction(() => '__result' in globalThis || document.title === 'error', undefined, {
      timeout: timeoutMs,
    });
    if (errors.length) throw new Error(`page error: ${errors.join('; ')}`);
    return (await page.evaluate(() => (globalThis as unknown as { __result: unknown }).__result, undefined)) as T;
  } finally {
    await close();
    server.close();
  }
}
