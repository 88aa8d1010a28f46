// `npm run bundle -- --out DIR [--with-node]`: a self-contained folder that runs the CLI and the bench
// where npm and the network are absent (a GPU server): both entry points with every JS dependency and
// engine.wasm inlined, Dawn's native module for linux-x64 (the one file of node_modules left, found by
// the inlined code as `webgpu`), the PyTorch peer and oracle scripts, and run.sh. `--with-node` adds
// this Node binary, xz-compressed (cached under build/, as compressing takes minutes).
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as esbuild from 'esbuild';
import { buildDefines } from './build-info.mjs';
import { BUNDLE_ENTRIES, NODE_ENTRIES, nodeBundleOptions } from './esbuild-options.mjs';

const root = new URL('..', import.meta.url).pathname;
const LIMIT_MB = 60;
const DAWN = 'node_modules/webgpu';
const DAWN_NATIVE = 'dist/linux-x64/dawn.node';

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const args = { out: undefined, withNode: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--out' && i + 1 < argv.length) args.out = resolve(argv[++i]);
    else if (argv[i] === '--with-node') args.withNode = true;
    else fail(`unknown argument '${argv[i]}'; usage: npm run bundle -- --out DIR [--with-node]`);
  }
  if (!args.out) fail('--out DIR is required: the folder to write the bundle into');
  if (existsSync(args.out) && readdirSync(args.out).length && !existsSync(join(args.out, 'BUNDLE.json'))) {
    fail(`${args.out} exists and is not an earlier bundle: choose an empty or new folder`);
  }
  return args;
}

/** This Node binary xz-compressed, made once per Node version and kept under build/. */
function compressedNode() {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    fail(`--with-node bundles this Node binary, which is ${process.platform}-${process.arch}, not linux-x64`);
  }
  const tag = `${process.version}-linux-x64`;
  const cached = join(root, 'build', `node-${tag}.xz`);
  if (!existsSync(cached)) {
    process.stderr.write(`bundle: compressing ${process.execPath} (xz -9, once; minutes)\n`);
    mkdirSync(dirname(cached), { recursive: true });
    execFileSync('sh', ['-c', 'xz -9 -T0 -c "$1" > "$2.part" && mv "$2.part" "$2"', 'sh', process.execPath, cached], {
      stdio: 'inherit',
    });
  }
  return { tag, file: cached };
}

function sizes(dir) {
  const out = {};
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out[relative(dir, p)] = statSync(p).size;
    }
  };
  walk(dir);
  return out;
}

const args = parseArgs(process.argv.slice(2));
const native = join(root, DAWN, DAWN_NATIVE);
if (!existsSync(native)) fail(`${native} is missing: run npm install (the webgpu package) first`);
execFileSync(process.execPath, [join(root, 'scripts/build.mjs'), '--if-stale'], { stdio: 'inherit' }); // engine.wasm

const tmp = `${args.out}.part-${process.pid}`;
rmSync(tmp, { recursive: true, force: true });
mkdirSync(tmp, { recursive: true });
try {
  await esbuild.build({
    ...nodeBundleOptions(root),
    entryPoints: Object.fromEntries(BUNDLE_ENTRIES.map((e) => [e, NODE_ENTRIES[e]])),
    outdir: tmp,
    outExtension: { '.js': '.mjs' },
    external: ['webgpu'], // resolved at run time from the bundle's own node_modules/webgpu
  });
  // The webgpu package's loader (index.js, Node built-ins only) and the linux-x64 native module it
  // requires from dist/<platform>-<arch>/ beside itself.
  const pkg = join(tmp, DAWN);
  mkdirSync(join(pkg, dirname(DAWN_NATIVE)), { recursive: true });
  for (const f of ['index.js', 'LICENSE.md', DAWN_NATIVE]) copyFileSync(join(root, DAWN, f), join(pkg, f));
  const { name, version, license } = JSON.parse(readFileSync(join(root, DAWN, 'package.json'), 'utf8'));
  writeFileSync(
    join(pkg, 'package.json'),
    JSON.stringify({ name, version, license, type: 'module', main: 'index.js' }, null, 2) + '\n',
  );
  cpSync(join(root, 'tools'), join(tmp, 'tools'), {
    recursive: true,
    filter: (p) => !p.includes('__pycache__'),
  });
  // `repro run` finds its protocols above the CLI, as in the checkout.
  cpSync(join(root, 'harness/repro/protocols'), join(tmp, 'harness/repro/protocols'), { recursive: true });
  copyFileSync(join(root, 'scripts/bundle/run.sh'), join(tmp, 'run.sh'));
  let node;
  if (args.withNode) {
    node = compressedNode();
    copyFileSync(node.file, join(tmp, 'node.xz'));
    writeFileSync(join(tmp, 'node.version'), node.tag + '\n');
  }
  const files = sizes(tmp);
  const total = Object.values(files).reduce((a, b) => a + b, 0);
  const defines = buildDefines(root);
  const manifest = {
    engine: { version: JSON.parse(defines.__ENGINE_VERSION__), commit: JSON.parse(defines.__ENGINE_COMMIT__) },
    built_with_node: process.version,
    bundled_node: node?.tag ?? null,
    webgpu: `${name} ${version} (${license})`,
    total_bytes: total,
    files,
  };
  writeFileSync(join(tmp, 'BUNDLE.json'), JSON.stringify(manifest, null, 2) + '\n');
  if (total > LIMIT_MB * 1e6) fail(`the bundle is ${(total / 1e6).toFixed(1)} MB, over the ${LIMIT_MB} MB limit`);
  rmSync(args.out, { recursive: true, force: true });
  renameSync(tmp, args.out);
  process.stderr.write(
    `bundle: ${args.out}: ${(total / 1e6).toFixed(1)} MB (Dawn ${(files[join(DAWN, DAWN_NATIVE)] / 1e6).toFixed(1)} MB` +
      (node ? `, node.xz ${(files['node.xz'] / 1e6).toFixed(1)} MB` : ', no Node: run.sh uses NODE= or PATH') +
      `); run it with ${join(args.out, 'run.sh')} <command>\n`,
  );
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
