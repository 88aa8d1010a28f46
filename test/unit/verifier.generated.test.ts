// The verifier on 10,000 problems of our own generator (ops 2-20, all templates, both modes):
// every gold solution verifies as perfect, and every corruption kind gets its label.
import { beforeAll, describe, expect, test } from 'vitest';
import { generateMany, MODES, TEMPLATES, type Problem } from '../../ts/data/generator.js';
import { loadVerifier, type Verifier } from '../../ts/data/verifier.js';
import { testSeed } from '../util/random.js';
import { asOutput, body, corrupt, CORRUPTIONS, rng, wrongLabel } from './verifier.corrupt.js';

const COUNT = 10_000;
// Fresh problems and corruptions each run; TEST_SEED=<seed> replays a failure.
const seed = testSeed();
let v: Verifier;
const problems: Problem[] = [];

beforeAll(async () => {
  v = await loadVerifier();
  const combos = [];
  for (let op = 2; op <= 20; op++)
    for (const template of TEMPLATES) for (const mode of MODES) combos.push({ op, template, mode });
  const each = Math.ceil(COUNT / combos.length);
  for (const c of combos) problems.push(...(await generateMany({ seed, ...c, count: each })));
  problems.length = COUNT;
}, 120_000);

describe('generated problems', () => {
  test('10,000 gold solutions verify as perfect (gold and RL output format)', () => {
    expect(new Set(problems.map((p) => `${p.op} ${p.template} ${p.mode}`)).size).toBe(19 * 3 * 2);
    const imperfect = problems.filter((p, i) => {
      const d = v.verify(p, i % 2 ? p.solution : asOutput(p, body(p.solution), true));
      return !(
        d.status === 'ok' &&
        d.processCorrect &&
        d.reward === 1 &&
        d.counts.extra === 0 &&
        d.counts.goldNodes > 0
      );
    });
    expect(imperfect.slice(0, 2), `TEST_SEED=${seed}`).toEqual([]);
  });

  test.each(CORRUPTIONS)('%s: right label in every one of 10,000 cases', (kind) => {
    const r = rng(seed + CORRUPTIONS.indexOf(kind));
    let cases = 0;
    const wrong: string[] = [];
    for (let i = 0; cases < COUNT && i < 3 * COUNT; i++) {
      const p = problems[i % COUNT];
      const c = corrupt(p, kind, r, i % 2 === 0);
      if (!c) continue;
      cases++;
      const why = wrongLabel(v.verify(p, c.output), c);
      if (why) wrong.push(`${why}: ${c.output}`);
    }
    expect(cases).toBe(COUNT);
    expect(1 - wrong.length / cases, `TEST_SEED=${seed}\n${wrong.slice(0, 3).join('\n')}`).toBe(1);
  });
});
