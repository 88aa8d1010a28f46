// Helpers of the bad-input and fault suites (test/unit/fault-*.test.ts, test/gpu/fault-*.test.ts):
// the CLI run as a user runs it, what a refused command must look like, and file damage.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { expect } from 'vitest';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const CLI = join(ROOT, 'dist/node/cli.js');

export function buildCli(): void {
  execFileSync(process.execPath, [join(ROOT, 'scripts/build.mjs'), '--if-stale'], { cwd: ROOT });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node dist/node/cli.js ...args` in `cwd` with `env` added and `input` on stdin. */
export function runCli(
  args: string[],
  o: { cwd: string; env?: Record<string, string>; input?: string },
): Promise<CliResult> {
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [CLI, ...args], {
      cwd: o.cwd,
      env: { ...process.env, ...o.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '',
      stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.stdin.end(o.input ?? '');
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Adapter notices on stderr (the Vulkan driver's, and the adapter in use) that may precede a refusal. */
const NOTICES = /^(Warning: max\w+ artificially reduced|webgpu adapter: )/;

/**
 * A refused command: a non-zero exit, and on stderr one line `error: ...` matching `pattern`, with no
 * stack trace. Besides adapter notices, that is all of stderr, unless the command failed `afterWork`
 * (a disk that filled at the end): then its progress lines come first and the error line is last.
 */
export function expectRefused(r: CliResult, pattern: RegExp, o: { afterWork?: boolean } = {}): void {
  const lines = r.stderr.split('\n').filter((l) => l.trim() && !NOTICES.test(l));
  const errors = lines.filter((l) => l.startsWith('error: '));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(pattern);
  expect(lines.at(-1), r.stderr).toBe(errors[0]);
  if (!o.afterWork) expect(lines, r.stderr).toHaveLength(1);
  expect(
    lines.filter((l) => /^\s+at /.test(l)),
    'a stack trace',
  ).toEqual([]);
  expect(r.code, r.stderr).not.toBe(0);
}

/** Every file under `dir` (or the file `dir`) with its bytes, by path relative to `dir`. */
export function snapshot(path: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (p: string) => {
    if (statSync(p).isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
    else out.set(relative(path, p), readFileSync(p));
  };
  if (existsSync(path)) walk(path);
  return out;
}

let copies = 0;
/** A fresh copy of fixture `path` (file or directory) under `root`, to damage. */
export function copyUnder(root: string, path: string): string {
  const to = join(root, `copy-${++copies}`, basename(path));
  cpSync(path, to, { recursive: true });
  return to;
}

/** Flips the bits of the byte at `at` (a fraction of the file's length). */
export function flipByte(file: string, at = 0.5): void {
  const b = readFileSync(file);
  const i = Math.min(b.length - 1, Math.floor(b.length * at));
  b[i] ^= 0xff;
  writeFileSync(file, b);
}

/** Cuts `file` to half its length (a write that died midway). */
export function truncateHalf(file: string): void {
  truncateSync(file, statSync(file).size >> 1);
}
