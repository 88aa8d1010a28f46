// The static site (issue 12): the pages of harness/web/pages (NAME.html + NAME.ts each), the engine's
// worker (worker.js, engine.wasm inlined as in every bundle), the shared stylesheet, and the results
// given, under data/ with data/index.json, plus optionally a checkpoint under checkpoint/; the
// reproducibility protocols and reference fingerprints under data/repro/. Every URL
// is relative, so the folder works from any static host and from a sub-path.
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import * as esbuild from 'esbuild';
import { commonOptions } from '../../scripts/esbuild-options.mjs';
import { resolveCheckpoint } from '../../ts/eval/run.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { MANIFEST_FORMAT, type SiteManifest } from '../web/common/data.js';
import { copyCheckpoint, copyRepro, copyResults } from './data.js';

// This file and its bundle (dist/node/site.js) both sit two folders below the repository root.
const ROOT = new URL('../..', import.meta.url).pathname;
const PAGES = 'harness/web/pages';
const STYLE = 'harness/web/common/style.css';

export interface SiteOptions {
  /** Run directories (or folders of them) whose results the site shows. */
  results: string[];
  /** A checkpoint directory, or a run directory (its latest), copied into the site. */
  checkpoint?: string;
  out: string;
  /** The folder of the reproducibility protocols and reference fingerprints; default harness/repro. */
  repro?: string;
}

export interface SiteSize {
  files: number;
  /** Bytes and gzipped bytes of everything but the checkpoint's files. */
  bytes: number;
  gzipped: number;
  checkpointBytes: number;
}

/** The pages: NAME for every harness/web/pages/NAME.ts with its NAME.html. */
export function pageNames(root = ROOT): string[] {
  const dir = join(root, PAGES);
  const names = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => f.slice(0, -3));
  for (const n of names)
    if (!existsSync(join(dir, `${n}.html`))) throw new Error(`${PAGES}/${n}.ts has no ${n}.html beside it`);
  return names.sort();
}

/** An empty `out`, or the refusal to overwrite a folder that is not a site. */
function prepareOut(out: string): void {
  if (existsSync(out) && readdirSync(out).length) {
    if (!existsSync(join(out, 'data/index.json')))
      throw new Error(`--out ${out} exists and is not a site built here; remove it or choose another folder`);
    rmSync(out, { recursive: true });
  }
  mkdirSync(out, { recursive: true });
}

/** Bytes of every file under `dir`, by path relative to it. */
function sizes(dir: string, at = ''): [string, number][] {
  return readdirSync(join(dir, at), { withFileTypes: true }).flatMap((e) => {
    const rel = at ? `${at}/${e.name}` : e.name;
    return e.isDirectory() ? sizes(dir, rel) : [[rel, statSync(join(dir, rel)).size] as [string, number]];
  });
}

/** Builds the site into `o.out` and returns its size. */
export async function buildSite(o: SiteOptions): Promise<SiteSize> {
  const names = pageNames();
  // Checked before anything is written: a wrong path leaves no half-built site.
  const checkpoint = o.checkpoint && (await resolveCheckpoint(new NodeStore(), o.checkpoint));
  prepareOut(o.out);
  const data = copyResults(o.results, o.out);
  await esbuild.build({
    ...commonOptions(ROOT),
    platform: 'browser',
    target: 'es2022',
    entryPoints: {
      ...Object.fromEntries(names.map((n) => [n, `${PAGES}/${n}.ts`])),
      worker: 'ts/worker/worker.ts',
    },
    outdir: o.out,
    // Pages share Plot, dagre and the engine's modules through chunks; the module worker loads them too.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    minify: true,
    sourcemap: false,
    external: ['webgpu', 'node:*'],
  });
  for (const n of names) copyFileSync(join(ROOT, PAGES, `${n}.html`), join(o.out, `${n}.html`));
  copyFileSync(join(ROOT, STYLE), join(o.out, 'style.css'));
  const manifest: SiteManifest = {
    format: MANIFEST_FORMAT,
    created: new Date().toISOString(),
    data,
    checkpoint: checkpoint ? copyCheckpoint(checkpoint, o.out) : null,
    repro: copyRepro(o.repro ?? join(ROOT, 'harness/repro'), o.out),
  };
  writeFileSync(join(o.out, 'data/index.json'), JSON.stringify(manifest, null, 1) + '\n');
  const files = sizes(o.out);
  const site = files.filter(([f]) => !f.startsWith('checkpoint/'));
  return {
    files: files.length,
    bytes: site.reduce((s, [, b]) => s + b, 0),
    gzipped: site.reduce((s, [f]) => s + gzipSync(readFileSync(join(o.out, f)), { level: 9 }).length, 0),
    checkpointBytes: manifest.checkpoint?.bytes ?? 0,
  };
}

/** Site size for people: "412.3 kB (128.0 kB gzipped)". */
export function describeSize(s: SiteSize, out: string): string {
  const kb = (b: number) => `${(b / 1000).toFixed(1)} kB`;
  const ckpt = s.checkpointBytes ? `, plus a ${kb(s.checkpointBytes)} checkpoint` : '';
  return `site written to ${relative(process.cwd(), out) || '.'}: ${s.files} files, ${kb(s.bytes)} (${kb(s.gzipped)} gzipped) without model weights${ckpt}`;
}
