// Fuzzing: 100,000 random and mutated inputs (random bytes, unicode with lone surrogates,
// truncations, structural mutations of real solutions, 1 MB strings), as output and as gold.
// The verifier must answer every one with a verdict: no exception, no wasm trap (which the
// wrapper would report as status 'error'), rewards within [0, 1], and no state left behind.
import { readFileSync } from 'node:fs';
import { beforeAll, expect, test } from 'vitest';
import { loadVerifier, type GoldSolution, type Score, type Verifier } from '../../ts/data/verifier.js';
import { adversarialShapes } from '../../bench/verifier.js';
import { testSeed } from '../util/random.js';
import { asOutput, body, corrupt, CORRUPTIONS, rng } from './verifier.corrupt.js';

const rows: (GoldSolution & { answer: number })[] = readFileSync(
  new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url),
  'utf8',
)
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

const TOKENS = [
  'Define ',
  ' as ',
  '; ',
  '. ',
  ' = ',
  'so ',
  ' + ',
  ' - ',
  ' * ',
  ' / ',
  '(',
  ')',
  'x',
  '2*x',
  '0',
  '7',
  '1000',
  '99999999999999999999',
  '<answer>',
  '</answer>',
  '<solution>',
  '</solution>',
  'Answer: ',
  "we don't know its value",
  'a',
  'B',
  'é',
  '\u{1F600}',
  '\uD800',
  '\n',
  '=',
  ';',
  '.',
  ' ',
];

let v: Verifier;
beforeAll(async () => {
  v = await loadVerifier();
});

// Fresh inputs each run; TEST_SEED=<seed> replays a failure.
const seed = testSeed();
const r = rng(seed);
const int = (n: number): number => Math.floor(r() * n);

function randomBytes(): string {
  const n = int(2000);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(int(256));
  return s;
}

function randomUnicode(): string {
  const n = int(400);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    s +=
      k < 0.5
        ? String.fromCharCode(32 + int(95))
        : k < 0.8
          ? String.fromCharCode(int(0x10000))
          : String.fromCodePoint(0x10000 + int(0xfffff));
  }
  return s;
}

function validOutput(): string {
  const g = rows[int(rows.length)];
  const c = r() < 0.5 ? corrupt(g, CORRUPTIONS[int(CORRUPTIONS.length)], r, r() < 0.5) : null;
  return c?.output ?? asOutput(g, body(g.solution), r() < 0.5);
}

function mutate(s: string): string {
  for (let k = 1 + int(6); k > 0; k--) {
    const at = int(s.length + 1);
    const op = int(4);
    if (op === 0) s = s.slice(0, at) + TOKENS[int(TOKENS.length)] + s.slice(at);
    else if (op === 1) s = s.slice(0, at) + s.slice(at + 1 + int(40));
    else if (op === 2) s = s.slice(0, at) + s.slice(int(s.length), int(s.length) + int(80)) + s.slice(at);
    else s = s.slice(0, at) + String.fromCharCode(int(0x3000)) + s.slice(at + 1);
  }
  return s;
}

function check(s: Score): void {
  if (s.status === 'error' || !(s.reward >= 0 && s.reward <= 1) || !(s.process >= 0 && s.process <= 1)) {
    throw new Error(`bad verdict (TEST_SEED=${seed}): ${JSON.stringify(s)}`);
  }
}

test('100,000 random and mutated inputs: always a verdict, never an exception or a trap', () => {
  const statuses = new Map<string, number>();
  for (let i = 0; i < 100_000; i++) {
    const kind = i % 5;
    const text =
      kind === 0
        ? randomBytes()
        : kind === 1
          ? randomUnicode()
          : kind === 2
            ? validOutput().slice(0, int(1200))
            : mutate(validOutput());
    // Every tenth input is also used as the gold; every seventh gets a full verdict.
    const gold = i % 10 === 3 ? { solution: mutate(validOutput()) } : rows[i % rows.length];
    const s = i % 7 === 0 ? v.verify(gold, text) : v.score(gold, text);
    check(s);
    statuses.set(s.status, (statuses.get(s.status) ?? 0) + 1);
  }
  // The mix reached the interesting paths: judged outputs and refused (broken) golds.
  expect(statuses.get('ok')).toBeGreaterThan(80_000);
  expect(statuses.get('bad_gold')).toBeGreaterThan(100);
  // Nothing is left behind: a genuine solution still verifies as perfect.
  expect(v.verify(rows[5], rows[5].solution).processCorrect).toBe(true);
});

test('1 MB inputs of adversarial shapes are judged, in linear work', () => {
  const MB = 1 << 20;
  const solution = body(rows[140].solution);
  const half = adversarialShapes(MB / 2, solution);
  const noise = `${randomBytes()}?`; // random bytes, also non-ASCII
  const full: Record<string, string> = adversarialShapes(MB, solution);
  full.bytes = noise.repeat(MB / noise.length + 1).slice(0, MB);
  half.bytes = full.bytes.slice(0, MB / 2);
  // The verifier counts its work (every scan of the text or of a dependency set, once per loop).
  // Linear parsing keeps it a small multiple of the input, so doubling the input at most doubles
  // it; a quadratic rescan would quadruple it. bench/verifier.ts times these shapes.
  for (const [name, text] of Object.entries(full)) {
    check(v.verify(rows[140], half[name]));
    const workHalf = v.lastWork;
    check(v.verify(rows[140], text));
    const work = v.lastWork;
    expect(work, name).toBeGreaterThan(text.length / 2);
    expect(work, name).toBeLessThan(40 * text.length);
    expect(work / workHalf, name).toBeLessThan(2.1);
  }
  expect(v.verify(rows[140], '中'.repeat(MB)).status).toBe('too_long'); // 1 Mi UTF-16 units, 3 MiB of UTF-8
  expect(v.verify(rows[140], full.solutions).counts.outputSteps).toBeGreaterThan(1000);
});
