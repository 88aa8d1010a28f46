// The offline bundle (scripts/bundle.mjs, issue 14): built into a folder outside the checkout, moved
// elsewhere, and run from a third directory with a PATH that holds node's directory alone (no npm, no
// coreutils) and no node_modules in reach: it lists the adapters and samples problems as the
// generator in this checkout does.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMany } from '../../ts/data/generator.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'bundle-test-'));
const moved = join(work, 'elsewhere', 'engine');
const nodeDir = join(work, 'node-only');
const cwd = join(work, 'cwd');

function runBundle(args: string[]) {
  const r = spawnSync(join(moved, 'run.sh'), args, {
    cwd,
    env: { PATH: nodeDir, HOME: work },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  const built = join(work, 'built');
  execFileSync(process.execPath, [join(ROOT, 'scripts/bundle.mjs'), '--out', built], { stdio: 'pipe' });
  cpSync(built, moved, { recursive: true });
  rmSync(built, { recursive: true });
  mkdirSync(nodeDir);
  symlinkSync(process.execPath, join(nodeDir, 'node'));
  mkdirSync(cwd);
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('offline bundle', () => {
  it('records its files and stays under 60 MB', () => {
    const manifest = JSON.parse(readFileSync(join(moved, 'BUNDLE.json'), 'utf8'));
    expect(Object.keys(manifest.files)).toEqual(
      expect.arrayContaining(['cli.mjs', 'bench.mjs', 'run.sh', 'node_modules/webgpu/dist/linux-x64/dawn.node']),
    );
    expect(manifest.total_bytes).toBeLessThan(60e6);
  });

  it('run.sh devices lists lavapipe', () => {
    const r = runBundle(['devices']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows.map((a) => a.kind)).toContain('lavapipe');
  });

  it('run.sh data sample prints the problems this checkout generates', async () => {
    const r = runBundle(['data', 'sample', '--op', '3', '--count', '2']);
    expect(r.code, r.stderr).toBe(0);
    const rows = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const expected = await generateMany({ seed: 0, op: 3, template: 'crazy_zootopia', mode: 'forward', count: 2 });
    expect(rows.map((p) => [p.op, p.problem, p.solution])).toEqual(expected.map((p) => [3, p.problem, p.solution]));
  });

  it('carries the repro protocols: repro run finds them and lists them', () => {
    const r = runBundle(['repro', 'run', '--protocol', 'none-such', '--out', join(cwd, 'f.json')]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/no protocol 'none-such' in .*harness\/repro\/protocols; protocols: tiny/);
  });

  it('run.sh names what to do when no Node 20 is found', () => {
    const r = spawnSync(join(moved, 'run.sh'), ['devices'], { cwd, env: { PATH: cwd }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/no Node\.js 20 or newer: put one on PATH, set NODE=/);
  });
});
