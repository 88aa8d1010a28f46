import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../../harness/cli/dispatch.js';
import { trainTokenizer } from '../../ts/data/tokenizer-train.js';

const dir = mkdtempSync(join(tmpdir(), 'tok-cli-'));
const path = join(dir, 'tokenizer.json');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeAll(async () => {
  const tok = await trainTokenizer(['<question> The number of adult owl equals 12345. </question>'.repeat(3)]);
  writeFileSync(path, JSON.stringify(tok.toJson()));
});

/** Runs a command and returns the JSON rows it printed. */
async function rows(cmd: 'tokenize' | 'detokenize', argv: string[]): Promise<Record<string, unknown>[]> {
  const out: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((s) => (out.push(String(s)), true));
  try {
    await runCli([cmd, ...argv]);
  } finally {
    spy.mockRestore();
  }
  return out
    .join('')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

describe('tokenize / detokenize commands', () => {
  it('round-trip text through ids', async () => {
    const text = '<question> owl 12345 😀 </question>';
    const [enc] = await rows('tokenize', ['--tokenizer', path, '--text', text]);
    expect(enc.text).toBe(text);
    expect((enc.ids as number[])[0]).toBe(4);
    const [dec] = await rows('detokenize', ['--tokenizer', path, '--ids', (enc.ids as number[]).join(',')]);
    expect(dec.text).toBe(text);
  });

  it('names the fix when the tokenizer file is missing, and refuses bad ids', async () => {
    await expect(runCli(['tokenize', '--tokenizer', join(dir, 'none.json'), '--text', 'x'])).rejects.toThrow(
      /data tokenizer --out/,
    );
    await expect(runCli(['detokenize', '--tokenizer', path, '--ids', '1,x'])).rejects.toThrow(/array of integers/);
    await expect(runCli(['detokenize', '--tokenizer', path, '--ids', '1,999999'])).rejects.toThrow(/outside 0\.\./);
  });
});
