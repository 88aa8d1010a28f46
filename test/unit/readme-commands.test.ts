// Every CLI command line in README.md and docs/*.md (code blocks and inline code) against the commands'
// declarations, without running any work: a command written out in full parses as written, and every
// option a synopsis ([--x A|B], ...) names is one its command declares.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findCommand, help } from '../../harness/cli/dispatch.js';
import { parseOptions } from '../../harness/cli/options.js';

const ROOT = resolve(import.meta.dirname, '../..');
const FILES = [
  'README.md',
  ...readdirSync(join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
/** What starts a command's words: the npm script, the built CLI, or `npm start`. */
const MARKERS = [/npm run --silent cli -- /, /node dist\/node\/cli\.js /, /npm start -- /];

/** Indented or fenced code lines (continuations joined) and inline code spans. */
export function codeOf(text: string): string[] {
  const out: string[] = [];
  let fenced = false;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i];
    if (line.trim().startsWith('```')) {
      fenced = !fenced;
      continue;
    }
    if (fenced || line.startsWith('    ')) {
      while (line.trimEnd().endsWith('\\') && i + 1 < lines.length)
        line = line.trimEnd().slice(0, -1).trimEnd() + ' ' + lines[++i].trim();
      out.push(line);
    } else out.push(...[...line.matchAll(/`([^`]+)`/g)].map((m) => m[1]));
  }
  return out;
}

/** The words of the command a code line runs, or undefined when it runs none. */
export function commandWords(code: string): string[] | undefined {
  for (const [i, m] of MARKERS.entries()) {
    const at = code.search(m);
    if (at < 0) continue;
    const rest = code.slice(at).replace(m, '');
    const words = [...rest.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((w) => w[1] ?? w[2] ?? w[3]);
    const end = words.findIndex((w) => w === '#' || w === '<' || w === '>' || w.startsWith('#'));
    const cut = end < 0 ? words : words.slice(0, end);
    return i === 2 ? ['start', ...cut] : cut;
  }
  return undefined;
}

const lines = FILES.flatMap((file) =>
  codeOf(readFileSync(join(ROOT, file), 'utf8')).flatMap((code) => {
    const words = commandWords(code);
    return words ? [[file, words.join(' '), words] as const] : [];
  }),
);

describe('the commands the docs show', () => {
  it('finds them', () => {
    expect(lines.filter(([f]) => f === 'README.md').length).toBeGreaterThan(10);
    expect(commandWords('    npm run --silent cli -- verify < rows.jsonl   # verdicts')).toEqual(['verify']);
    expect(commandWords('echo \'{}\' | npm run --silent cli -- tokenize --text "a b"')).toEqual([
      'tokenize',
      '--text',
      'a b',
    ]);
    expect(codeOf('x\n    a \\\n      b\n`npm start -- --scale 1` y')).toEqual(['    a b', 'npm start -- --scale 1']);
  });

  it.each(lines)('%s: %s', (_file, _line, words) => {
    if (words[0] === 'help') {
      expect(() => help(words.slice(1))).not.toThrow();
      return;
    }
    const { name, cmd, rest } = findCommand([...words]);
    const synopsis = rest.some((w) => /[[\]|]|\.\.\./.test(w)) || rest.includes('options');
    if (!synopsis) {
      expect(() => parseOptions(name, cmd, rest)).not.toThrow();
      return;
    }
    const named = rest.filter((w) => /^\[?--[a-z]/.test(w)).map((w) => w.replace(/^\[?--/, '').replace(/\]$/, ''));
    for (const n of named) expect(Object.keys(cmd.options ?? {}), `${name} --${n}`).toContain(n);
  });
});
