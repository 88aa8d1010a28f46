// Builds the engine (AssemblyScript -> build/engine.wasm + raw ESM bindings) and the esbuild bundles
// of dist/node (the CLI, the bench, the site builder; the site's own bundles are made by `npm run site`).
// `--if-stale` skips the work when no source is newer than the outputs, so `npm run cli` stays fast.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { NODE_ENTRIES, nodeBundleOptions } from './esbuild-options.mjs';

const root = new URL('..', import.meta.url).pathname;
const ifStale = process.argv.includes('--if-stale');

function newest(dir) {
  let t = 0;
  const p = join(root, dir);
  if (!existsSync(p)) return 0;
  for (const e of readdirSync(p, { withFileTypes: true })) {
    if (e.name === 'node_modules') continue;
    const f = join(p, e.name);
    t = Math.max(t, e.isDirectory() ? newest(join(dir, e.name)) : statSync(f).mtimeMs);
  }
  return t;
}
const mtime = (f) => (existsSync(join(root, f)) ? statSync(join(root, f)).mtimeMs : 0);

const wasmOut = 'build/engine.wasm';
if (!ifStale || newest('engine') > mtime(wasmOut) || mtime('asconfig.json') > mtime(wasmOut)) {
  execFileSync(
    join(root, 'node_modules/.bin/asc'),
    ['engine/index.ts', '--config', 'asconfig.json', '--target', 'release'],
    {
      cwd: root,
      stdio: 'inherit',
    },
  );
}

const sources = ['ts', 'harness', 'shaders', 'bench', 'build'];
const bundleStamp = 'dist/node/cli.js';
if (!ifStale || Math.max(...sources.map(newest)) > mtime(bundleStamp)) {
  await esbuild.build({
    ...nodeBundleOptions(root),
    entryPoints: NODE_ENTRIES,
    outdir: 'dist/node',
    packages: 'external',
  });
}
