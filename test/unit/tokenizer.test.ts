import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../../ts/data/tokenizer.js';
import { SPECIAL_TOKENS, fromHfJson } from '../../ts/data/tokenizer-json.js';
import { trainTokenizer } from '../../ts/data/tokenizer-train.js';
import { trainDefaultTokenizer } from '../../ts/data/tokenizer-default.js';
import { generateMany, promptText, trainingText } from '../../ts/data/generator.js';
import { rng, testSeed } from '../util/random.js';

const samples = readFileSync(new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { problem: string; question: string; solution: string; answer: number });
// Sample text with the special tokens in it (the exact training-text format is the generator's).
const texts = samples.map(
  (p) =>
    `<question> ${p.problem} ${p.question} </question> <solution> ${p.solution} </solution> <answer> ${p.answer} </answer>`,
);

/** A random string of well-formed code points, mixing ASCII, specials, digits, emoji and any plane. */
function randomText(r: () => number): string {
  const pool = [
    'a',
    'Z',
    ' ',
    '  ',
    '\n',
    '\t',
    '7',
    '1234',
    "'s",
    "'",
    '.',
    'é',
    '中',
    '😀',
    '👨‍👩‍👧',
    '\u00a0',
    '\u3000',
    '٣',
    '<question>',
    '</answer>',
    '[EOS]',
    '<answ',
    '\u0301',
    '\ufffd',
    'Ã(',
    '\u00c3\u00a9',
  ];
  let s = '';
  const n = Math.floor(r() * 40);
  for (let k = 0; k < n; k++) {
    if (r() < 0.2) {
      const c = Math.floor(r() * 0x110000);
      s += String.fromCodePoint(c >= 0xd800 && c < 0xe000 ? 0x41 : c);
    } else s += pool[Math.floor(r() * pool.length)];
  }
  return s;
}

let tok: Tokenizer;
beforeAll(async () => {
  tok = await trainTokenizer(texts);
});

describe('tokenizer encode/decode', () => {
  it('round-trips every genuine sample, special tokens as single ids', () => {
    const open = tok.specialId('<question>');
    for (const t of texts) {
      const ids = tok.encode(t);
      expect(tok.decode(ids)).toBe(t);
      expect(ids[0]).toBe(open);
      expect([...ids].filter((id) => id < SPECIAL_TOKENS.length)).toHaveLength(6);
    }
  });

  it('round-trips random unicode, emoji, empty and odd strings exactly', () => {
    const seed = testSeed();
    const r = rng(seed);
    const fixed = [
      '',
      ' ',
      '\n\n',
      '\ufffd',
      'Ã©',
      '\u0000\u0001',
      'a'.repeat(5000),
      '9'.repeat(100),
      '<question><question>',
      '[EOS',
    ];
    for (const s of [...fixed, ...Array.from({ length: 2000 }, () => randomText(r))])
      expect(tok.decode(tok.encode(s)), `TEST_SEED=${seed}`).toBe(s);
  });

  it('round-trips arbitrary bytes, including invalid UTF-8, through the byte API', () => {
    const seed = testSeed();
    const r = rng(seed);
    for (let i = 0; i < 500; i++) {
      const bytes = Uint8Array.from({ length: Math.floor(r() * 64) }, () =>
        r() < 0.5 ? 0x80 + Math.floor(r() * 128) : Math.floor(r() * 256),
      );
      expect(tok.decodeBytes(tok.encodeBytes(bytes)), `TEST_SEED=${seed}`).toEqual(bytes);
    }
  });

  it('never puts more than three digits in one token, even when trained on long numbers', async () => {
    const numbers = await trainTokenizer(Array(50).fill('x = 1234567 + 89 = 1234656; 000000000001'));
    const ids = numbers.encode('x = 1234567 + 89 = 1234656; 000000000001');
    const digitRuns = [...ids].map((id) => numbers.decode([id])).flatMap((t) => t.match(/\d+/g) ?? []);
    expect(digitRuns).toEqual(['123', '456', '7', '89', '123', '465', '6', '000', '000', '000', '001']);
  });

  it('matches special tokens whole, even inside words, and only exact ones', () => {
    const eos = tok.specialId('[EOS]');
    expect([...tok.encode('a[EOS]b')]).toContain(eos);
    expect([...tok.encode('a[EOS b')]).not.toContain(eos);
    expect([...tok.encode('x</answer>')].at(-1)).toBe(tok.specialId('</answer>'));
  });

  it('decodes a cut multi-byte character to U+FFFD and refuses ids out of range', () => {
    const ids = tok.encode('😀');
    expect(tok.decode(ids.subarray(0, 1))).toContain('\ufffd');
    expect(() => tok.decode([tok.vocabSize])).toThrow(/outside 0\.\./);
    expect(() => tok.decode([-1])).toThrow(/outside/);
  });
});

describe('tokenizer.json (Hugging Face)', () => {
  it('gives the same ids as Hugging Face tokenizers on golden cases', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/tokenizer-hf.json', import.meta.url), 'utf8'));
    const hf = await Tokenizer.fromJson(fixture.tokenizer);
    expect(fixture.cases.length).toBeGreaterThan(100);
    for (const c of fixture.cases as { text: string; ids: number[] }[]) expect([...hf.encode(c.text)]).toEqual(c.ids);
  });

  it('writes, reads back and encodes identically, with one vocabulary size everywhere', async () => {
    const json = tok.toJson() as {
      model: { vocab: Record<string, number>; merges: string[] };
      added_tokens: { id: number; content: string }[];
    };
    const ids = Object.values(json.model.vocab).sort((a, b) => a - b);
    expect(ids).toEqual(Array.from({ length: tok.vocabSize }, (_, i) => i));
    expect(json.added_tokens.map((t) => t.content)).toEqual([...SPECIAL_TOKENS]);
    const back = await Tokenizer.fromJson(JSON.stringify(json));
    expect(back.vocabSize).toBe(tok.vocabSize);
    expect(back.toJson()).toEqual(json);
    for (const t of texts.slice(0, 20)) expect(back.encode(t)).toEqual(tok.encode(t));
  });

  it('refuses files the engine cannot encode exactly, saying why', () => {
    const good = () => structuredClone(tok.toJson()) as Record<string, any>;
    const broken: [string, (j: Record<string, any>) => void, RegExp][] = [
      ['model type', (j) => (j.model.type = 'WordPiece'), /model.type must be "BPE"/],
      [
        'pre-tokenizer',
        (j) => (j.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: false, use_regex: true }),
        /pre_tokenizer must be/,
      ],
      ['normalizer', (j) => (j.normalizer = { type: 'NFC' }), /normalizer must be null/],
      ['missing byte', (j) => delete j.model.vocab['Ġ'], /lacks the single byte 0x20|without gaps/],
      ['gap', (j) => (j.model.vocab['zzz'] = tok.vocabSize + 5), /without gaps/],
      ['merge', (j) => j.model.merges.push('Ġqq xx'), /merge \d+ .* missing from vocab/],
      ['added token', (j) => (j.added_tokens[0].id = 3), /id 0 in vocab but 3|used twice/],
    ];
    for (const [what, edit, message] of broken) {
      const j = good();
      edit(j);
      expect(() => fromHfJson(j), what).toThrow(message);
    }
    expect(() => fromHfJson('[1]')).toThrow(/not a JSON object/);
  });
});

describe('tokenizer trainer', () => {
  it('learns the most frequent pair first and stops at the target size', async () => {
    const corpus = ['abab abab xyz', 'ab cd ab'];
    const small = await trainTokenizer(corpus, { vocabSize: SPECIAL_TOKENS.length + 256 + 3, minFrequency: 1 });
    expect(small.vocabSize).toBe(SPECIAL_TOKENS.length + 256 + 3);
    const first = small.model.merges[0];
    expect(new TextDecoder().decode(small.model.tokens[first[2]])).toBe('ab');
  });

  it('is deterministic and stops early when no pair is frequent enough', async () => {
    const again = await trainTokenizer(texts);
    expect(again.toJson()).toEqual(tok.toJson());
    expect(tok.vocabSize).toBeLessThan(2200); // 147 samples exhaust their frequent pairs
    const r = rng(3);
    const noisy = Array.from({ length: 300 }, () => randomText(r));
    const big = await trainTokenizer([...texts, ...noisy], { vocabSize: 1000 });
    expect(big.vocabSize).toBe(1000);
  });

  it('refuses to encode with a freed tokenizer', async () => {
    const t = await trainTokenizer(['ab ab']);
    t.free();
    expect(() => t.encode('ab')).toThrow(/tokenizer handle was freed/);
  });

  it('rejects a target smaller than the special tokens plus 256 bytes', async () => {
    await expect(trainTokenizer(texts, { vocabSize: 100 })).rejects.toThrow(/vocabSize must be an integer from 266/);
  });
});

describe('default tokenizer', () => {
  it('is reproducible and round-trips generated training text, tags as single ids', async () => {
    const a = await trainDefaultTokenizer({ perCell: 3 });
    const b = await trainDefaultTokenizer({ perCell: 3 });
    expect(b.toJson()).toEqual(a.toJson());
    const problems = (
      await Promise.all(
        [2, 11, 20].map((op) =>
          generateMany({
            seed: 99,
            op,
            template: 'movie_festival_awards',
            mode: op < 12 ? 'reverse' : 'forward',
            count: 5,
          }),
        ),
      )
    ).flat();
    const tags = ['<question>', '</question>', '<solution>', '</solution>', '<answer>', '</answer>'].map((t) =>
      a.specialId(t),
    );
    for (const p of problems) {
      const ids = a.encode(trainingText(p));
      expect(a.decode(ids)).toBe(trainingText(p));
      expect([...ids].filter((id) => id < SPECIAL_TOKENS.length)).toEqual(tags);
      // The prompt's ids are a prefix of the document's: the boundary falls on a special token.
      expect([...ids.subarray(0, a.encode(promptText(p)).length)]).toEqual([...a.encode(promptText(p))]);
    }
  });
});
