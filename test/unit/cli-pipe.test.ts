// The built CLI writing into a pipe: every row reaches a slow reader, and a reader that closes early
// ends the CLI quietly with exit 0. Rows reach stdout only through emit (ts/io/stdio.ts) and leave
// the process only once main.ts has flushed stdout, so the commands that can write more than a pipe
// holds without a GPU (data sample, verify, tokenize, detokenize) stand for all of them; the others
// (devices, data tokenizer/build/check, pretrain, midtrain, rl, eval, calibrate, start) write a few
// rows, or one row per training step, through the same two paths.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMany, type Problem } from '../../ts/data/generator.js';
import { trainTokenizer } from '../../ts/data/tokenizer-train.js';

const CLI = join(new URL('../..', import.meta.url).pathname, 'dist/node/cli.js');

interface Ended {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI with `input` on stdin, its stdout read by a slow reader: nothing at all until the CLI
 * has exited or a second has passed (so its output backs up in the pipe), then one chunk at a time.
 * A CLI that exits with rows still buffered loses them; the wait only decides how sure that is.
 */
function runSlowReader(args: string[], input = ''): Promise<Ended> {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // a CLI that stops reading early is judged by its output
  child.stdin.end(input);
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stderr.on('data', (b: Buffer) => err.push(b));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  void Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000))]).then(() => {
    child.stdout.on('data', (b: Buffer) => {
      out.push(b);
      child.stdout.pause();
      setTimeout(() => child.stdout.resume(), 2);
    });
  });
  return new Promise((resolve) =>
    child.once('close', (code) =>
      resolve({ code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    ),
  );
}

const jsonRows = (text: string) =>
  text
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
const lines = (rows: unknown[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

const dir = mkdtempSync(join(tmpdir(), 'cli-pipe-'));
const tokPath = join(dir, 'tokenizer.json');
let problems: Problem[];
beforeAll(async () => {
  problems = await generateMany({ seed: 3, op: 4, template: 'crazy_zootopia', mode: 'forward', count: 1000 });
  const tok = await trainTokenizer(
    problems.slice(0, 50).map((p) => p.problem + p.solution),
    { vocabSize: 400 },
  );
  writeFileSync(tokPath, JSON.stringify(tok.toJson()));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('piped output is complete', () => {
  it('data sample: every problem, in order', async () => {
    const count = 4000;
    const r = await runSlowReader(['data', 'sample', '--op', '5', '--count', String(count), '--seed', '7']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = jsonRows(r.stdout);
    expect(rows.length).toBe(count);
    const [last] = await generateMany({
      seed: 7,
      op: 5,
      template: 'crazy_zootopia',
      mode: 'forward',
      start: count - 1,
      count: 1,
    });
    expect(rows[count - 1].id).toBe(last.id);
  });

  it('verify: one verdict per row, in order', async () => {
    const input = problems.map((p, i) => ({ id: i, solution: p.solution, output: p.solution }));
    const r = await runSlowReader(['verify'], lines(input));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const rows = jsonRows(r.stdout);
    expect(rows.map((v) => v.id)).toEqual(input.map((x) => x.id));
    expect(rows.every((v) => v.outcome === 1)).toBe(true);
  });

  it('tokenize and detokenize: one row per input row, round-tripping the text', async () => {
    const texts = problems.map((p) => ({ text: p.problem }));
    const enc = await runSlowReader(['tokenize', '--tokenizer', tokPath], lines(texts));
    expect(enc.stderr).toBe('');
    expect(enc.code).toBe(0);
    const ids = jsonRows(enc.stdout);
    expect(ids.length).toBe(texts.length);
    const dec = await runSlowReader(['detokenize', '--tokenizer', tokPath], lines(ids.map((r) => ({ ids: r.ids }))));
    expect(dec.stderr).toBe('');
    expect(dec.code).toBe(0);
    expect(jsonRows(dec.stdout).map((r) => r.text)).toEqual(texts.map((t) => t.text));
  });
});

describe('a reader that closes early', () => {
  /** Runs the CLI, closes its stdout after the first row, then sends `after` on stdin (if any). */
  function closeAfterFirstRow(
    args: string[],
    first: string,
    after?: string,
  ): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdin.on('error', () => {});
    child.stdin.write(first);
    if (after === undefined) child.stdin.end();
    let err = '';
    let out = '';
    child.stderr.on('data', (b: Buffer) => (err += b));
    child.stdout.on('data', (b: Buffer) => {
      out += b;
      if (!out.includes('\n') || child.stdout.destroyed) return;
      child.stdout.destroy();
      // The CLI's next row meets a closed pipe; stdin stays open, so only that can end it.
      if (after !== undefined) child.stdin.write(after);
    });
    return new Promise((resolve) => child.once('close', (code) => resolve({ code, stderr: err })));
  }

  it('verify ends with exit 0 and nothing on stderr, without waiting for the end of its input', async () => {
    const [a, b] = problems.map((p) => lines([{ solution: p.solution, output: p.solution }]));
    expect(await closeAfterFirstRow(['verify'], a, b)).toEqual({ code: 0, stderr: '' });
  }, 30_000);

  it('data sample ends with exit 0 and nothing on stderr', async () => {
    expect(await closeAfterFirstRow(['data', 'sample', '--op', '5', '--count', '100000'], '')).toEqual({
      code: 0,
      stderr: '',
    });
  }, 30_000);
});
