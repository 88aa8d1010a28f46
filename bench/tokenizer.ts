// Tokenizer bench, one thread: training time (default corpus; and Zipf-distributed words, which
// reach the full 2,200 ids), and encode/decode MB/s on generated
// training text (per document, as `data build` calls it), on one long string, and on random
// Unicode (few repeated words, so the piece cache rarely helps), against the 10 MB/s requirement.
import { generateMany, TEMPLATES, MODES, trainingText } from '../ts/data/generator.js';
import { defaultCorpus, DEFAULT_CORPUS_PER_CELL, DEFAULT_CORPUS_SEED } from '../ts/data/tokenizer-default.js';
import { trainTokenizer } from '../ts/data/tokenizer-train.js';

const TARGET_MB_S = 10;
const REPS = 5;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median MB/s of `fn` over REPS runs that each process `bytes`. */
function rate(bytes: number, fn: () => void): number {
  const times: number[] = [];
  for (let r = 0; r < REPS; r++) {
    const t0 = performance.now();
    fn();
    times.push(performance.now() - t0);
  }
  return bytes / 1e6 / (median(times) / 1000);
}

function lcg(seed: number): () => number {
  let s = seed;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
}

function randomUnicode(chars: number, seed: number): string {
  const next = lcg(seed);
  const out: string[] = [];
  for (let i = 0; i < chars; i++) {
    const u = next();
    const cp =
      u < 0.5
        ? 0x20 + Math.floor(next() * 95)
        : u < 0.8
          ? 0xa0 + Math.floor(next() * 0x2f00)
          : 0x1f300 + Math.floor(next() * 0x300);
    out.push(String.fromCodePoint(cp));
  }
  return out.join('');
}

/** Lines of words drawn with Zipf-like frequencies from a random 30,000-word lexicon (ASCII). */
function zipfText(bytes: number, seed: number): string[] {
  const next = lcg(seed);
  const letters = 'etaoinshrdlucmfwypvbgkjqxz';
  const word = () =>
    Array.from({ length: 2 + Math.floor(next() * 9) }, () => letters[Math.floor(next() ** 2 * 26)]).join('');
  const lexicon = Array.from({ length: 30000 }, word);
  const lines: string[] = [];
  for (let n = 0; n < bytes; n += lines[lines.length - 1].length) {
    lines.push(Array.from({ length: 200 }, () => lexicon[Math.floor(lexicon.length ** next()) - 1]).join(' ') + '.');
  }
  return lines;
}

export async function benchTokenizer(): Promise<void> {
  const corpus = await defaultCorpus(DEFAULT_CORPUS_SEED, DEFAULT_CORPUS_PER_CELL);
  const corpusMB = corpus.reduce((n, t) => n + Buffer.byteLength(t), 0) / 1e6;
  const t0 = performance.now();
  const tok = await trainTokenizer(corpus);
  const trainS = (performance.now() - t0) / 1000;
  process.stderr.write(`train: ${corpusMB.toFixed(1)} MB corpus -> ${tok.vocabSize} ids in ${trainS.toFixed(2)} s\n`);
  // The generated corpus saturates (every piece becomes one token) below 2,200 ids; text with a
  // natural-language-like word distribution has pairs enough to reach the full target.
  const rich = zipfText(4e6, 1);
  const richMB = rich.reduce((n, t) => n + t.length, 0) / 1e6;
  const t1 = performance.now();
  const richTok = await trainTokenizer(rich);
  const richS = (performance.now() - t1) / 1000;
  process.stderr.write(
    `train: ${richMB.toFixed(1)} MB of Zipf-distributed words -> ${richTok.vocabSize} ids in ${richS.toFixed(2)} s\n`,
  );

  // ~10 MB of fresh documents (another seed than the tokenizer's corpus), ops 2-20.
  const docs: string[] = [];
  for (let op = 2; op <= 20; op++) {
    for (const template of TEMPLATES) {
      for (const mode of MODES)
        for (const p of await generateMany({ seed: 5, op, template, mode, count: 40 })) docs.push(trainingText(p));
    }
  }
  const docMB = docs.reduce((n, t) => n + Buffer.byteLength(t), 0);
  const joined = docs.join('\n');
  const unicode = randomUnicode(2_000_000, 1);
  const unicodeBytes = Buffer.byteLength(unicode);
  const ids = tok.encode(joined);

  const rows = {
    encodeDocsMBs: rate(docMB, () => docs.forEach((d) => tok.encode(d))),
    encodeOneStringMBs: rate(Buffer.byteLength(joined), () => tok.encode(joined)),
    encodeRandomUnicodeMBs: rate(unicodeBytes, () => tok.encode(unicode)),
    decodeMBs: rate(Buffer.byteLength(joined), () => tok.decode(ids)),
  };
  for (const [name, v] of Object.entries(rows)) {
    process.stderr.write(
      `${name.padEnd(24)} ${v.toFixed(1).padStart(7)} MB/s   ${(v / TARGET_MB_S).toFixed(2)}x the ${TARGET_MB_S} MB/s target\n`,
    );
  }
  process.stderr.write(`bytes per token on generated text: ${(Buffer.byteLength(joined) / ids.length).toFixed(2)}\n`);
  process.stdout.write(
    JSON.stringify({
      section: 'tokenizer',
      vocabSize: tok.vocabSize,
      trainCorpusMB: +corpusMB.toFixed(2),
      trainSeconds: +trainS.toFixed(3),
      trainFullVocabSize: richTok.vocabSize,
      trainFullCorpusMB: +richMB.toFixed(2),
      trainFullSeconds: +richS.toFixed(3),
      ...Object.fromEntries(Object.entries(rows).map(([k, v]) => [k, +v.toFixed(1)])),
      ratioToTarget: +(rows.encodeDocsMBs / TARGET_MB_S).toFixed(2),
      bytesPerToken: +(Buffer.byteLength(joined) / ids.length).toFixed(3),
    }) + '\n',
  );
}
