// The step-by-step verifier on the 147 genuine GSM-Infinite solutions and on hand-made cases:
// parsing (letter reuse, scratch letters, dependencies through intermediate letters, reverse
// mode), the answer formats, the rewards of SPEC §5 and the failure statuses.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import {
  checkRewardConfig,
  loadVerifier,
  REWARD_PRESETS,
  scoreBatch,
  verify,
  type GoldSolution,
  type Verifier,
} from '../../ts/data/verifier.js';
import { testSeed } from '../util/random.js';
import { asOutput, body, corrupt, CORRUPTIONS, rng, wrongLabel, type Gold } from './verifier.corrupt.js';

interface Row extends Gold {
  problem: string;
  question: string;
  op: number;
  template: string;
  mode: 'forward' | 'reverse';
}

const rows: Row[] = readFileSync(new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Row);

let v: Verifier;
beforeAll(async () => {
  v = await loadVerifier();
});

describe('genuine GSM-Infinite solutions', () => {
  test('the sample has both modes and all ops', () => {
    expect(rows).toHaveLength(147);
    expect(rows.filter((r) => r.mode === 'reverse')).toHaveLength(33);
  });

  test('every genuine solution verifies as perfect against itself, in gold and in RL output format', () => {
    for (const r of rows) {
      for (const output of [r.solution, asOutput(r, body(r.solution), true)]) {
        const d = v.verify(r, output);
        expect(d.status).toBe('ok');
        expect(d.counts).toEqual({
          goldNodes: r.solution.split('Define ').length - 1,
          outputSteps: r.solution.split('Define ').length - 1,
          valueMismatches: 0,
          dependencyMismatches: 0,
          missing: 0,
          extra: 0,
          answerMismatch: 0,
        });
        expect(d.nodes.every((n) => n.fine)).toBe(true);
        expect([d.reward, d.process, d.outcome, d.processCorrect]).toEqual([1, 1, 1, true]);
        expect(d.answer).toMatchObject({ expected: r.answer, got: r.answer, correct: true });
      }
    }
  });

  test('all 13,049 genuine problems of the distribution reference verify as perfect, in both formats', () => {
    const text = gunzipSync(readFileSync(new URL('../fixtures/gsm_infinite_distribution.jsonl.gz', import.meta.url)));
    const all = text
      .toString('utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Row);
    expect(all).toHaveLength(13049);
    const failed: string[] = [];
    for (const r of all) {
      for (const output of [r.solution, asOutput(r, body(r.solution), true)]) {
        const d = v.verify(r, output);
        if (d.status !== 'ok' || !d.processCorrect || d.reward !== 1 || !d.nodes.every((n) => n.fine)) {
          failed.push(
            `${r.mode} op ${r.op} ${r.template}: ${d.status} ${d.nodes.find((n) => !n.fine)?.why.join('; ') ?? ''}`,
          );
        }
      }
    }
    expect(failed.slice(0, 5)).toEqual([]);
  });

  test('the gold is parsed without any unreadable step (no unknown letters, every value computed)', () => {
    for (const r of rows) {
      const d = v.verify(r, r.solution);
      for (const n of d.nodes) {
        expect(n.expected.value).not.toBeNull();
        expect(n.expected.dependsOn.every((x) => !x.startsWith('output step'))).toBe(true);
      }
    }
  });

  test('reverse mode: the unknown is x, later values are linear forms of x', () => {
    const r = rows.find((x) => x.mode === 'reverse' && x.op === 5 && x.template === 'teachers_in_school')!;
    const d = v.verify(r, r.solution);
    expect(d.nodes.map((n) => n.expected.value)).toEqual(['x', '4*x', '5*x']);
    expect(d.nodes[2].expected.dependsOn).toEqual([
      'private middle school in Clearwater Bay',
      'public highschool in Clearwater Bay',
    ]);
    // "m = x = x; so Y = 4 * m": Y depends on the unknown through the scratch letter m.
    expect(d.nodes[1].expected.dependsOn).toEqual(['private middle school in Clearwater Bay']);
  });

  test('n-ary aggregate chains resolve scratch letters to the named nodes behind them', () => {
    const r = rows.find((x) =>
      x.solution.includes('Define total number of adult animals in South Zoo as x; Q = m + H'),
    )!;
    const d = v.verify(r, r.solution);
    const total = d.nodes.find((n) => n.name === 'total number of adult animals in South Zoo')!;
    expect(total.expected.dependsOn.sort()).toEqual(
      ['adult owl in South Zoo', 'adult blue jay in South Zoo', 'adult crow in South Zoo'].sort(),
    );
    expect(total.expected.value).toBe('58');
  });
});

describe('parsing model outputs', () => {
  const gold: GoldSolution = {
    solution:
      'Define adult owl in Pine Ridge as a; so a = 2. Define adult fox in Pine Ridge as b; c = a + 1 = 2 + 1 = 3; so b = 2 * c = 2 * 3 = 6. ' +
      'Define total number of adult animals in Pine Ridge as d; so d = a + b = 2 + 6 = 8. Answer: 8.',
  };

  test('letters are matched by parameter name, not by letter', () => {
    const out =
      'Define adult owl in Pine Ridge as Q; so Q = 2. Define adult fox in Pine Ridge as R; k = Q + 1 = 3; so R = 2 * k = 6. ' +
      'Define total number of adult animals in Pine Ridge as S; so S = Q + R = 8. </solution> <answer> 8 </answer>';
    expect(v.verify(gold, out).processCorrect).toBe(true);
    // White space inside a name is read as single spaces; anything else must match exactly.
    expect(v.verify(gold, out.replace('adult owl in Pine', 'adult  owl in\tPine')).processCorrect).toBe(true);
    expect(v.verify(gold, out.replace('adult owl in Pine', 'adult Owl in Pine')).counts).toMatchObject({
      missing: 1,
      extra: 1,
    });
  });

  test('a reused letter means what it was last bound to', () => {
    // "a" is reused as the scratch letter of the last step and "c" for the total.
    const out =
      'Define adult owl in Pine Ridge as a; so a = 2. Define adult fox in Pine Ridge as b; c = a + 1 = 3; so b = 2 * c = 6. ' +
      'Define total number of adult animals in Pine Ridge as c; e = a + b = 8; a = e = 8; so c = a = 8. Answer: 8.';
    const d = v.verify(gold, out);
    expect(d.nodes.map((n) => n.fine)).toEqual([true, true, true]);
    expect(d.nodes[2].got?.dependsOn.sort()).toEqual(['adult fox in Pine Ridge', 'adult owl in Pine Ridge']);
  });

  test('a scratch letter from an earlier step still stands for its inputs', () => {
    const out =
      'Define adult owl in Pine Ridge as a; t = 2; so a = t = 2. Define adult fox in Pine Ridge as b; c = a + 1 = 3; so b = 2 * c = 6. ' +
      'Define total number of adult animals in Pine Ridge as d; so d = c + b - 1 = 8. Answer: 8.';
    const d = v.verify(gold, out);
    // c stands for {a}, so d reads {a, b}: the same inputs as the gold's "a + b".
    expect(d.nodes[2].fine).toBe(true);
  });

  test('a phantom scratch letter (assigned, never read) changes nothing', () => {
    const out = gold.solution
      .replace('so a = 2.', 'p = 3 + 4 = 7; so a = 2.')
      .replace('so d = a + b', 'q = b; so d = a + b');
    expect(v.verify(gold, out).processCorrect).toBe(true);
  });

  test('a letter nobody defined is a dependency mismatch that says which letter', () => {
    const out = gold.solution.replace('so d = a + b', 'so d = a + z');
    const d = v.verify(gold, out);
    expect(d.nodes[2].issues).toEqual(['dependency_mismatch']);
    expect(d.nodes[2].why[0]).toContain("'z'");
  });

  test('value, dependency, missing and extra are reported per step with the reason', () => {
    const out =
      'Define adult owl in Pine Ridge as a; so a = 3. Define total number of adult animals in Pine Ridge as d; so d = a + 5 = 3 + 5 = 8. ' +
      'Define adult wolf in Pine Ridge as w; so w = 1. Define adult owl in Pine Ridge as v; so v = 2. Define nothing here. Answer: 8.';
    const d = v.verify(gold, out);
    expect(d.nodes.map((n) => n.issues)).toEqual([['value_mismatch'], ['missing_node'], ['dependency_mismatch']]);
    expect(d.nodes[0].why[0]).toBe('value 3 where the gold has 2');
    expect(d.nodes[2].why[0]).toBe(
      'reads adult owl in Pine Ridge where the gold reads adult owl in Pine Ridge; adult fox in Pine Ridge',
    );
    expect(d.extras.map((e) => e.kind)).toEqual(['not_in_gold', 'duplicate', 'malformed']);
    expect(d.counts).toMatchObject({
      valueMismatches: 1,
      dependencyMismatches: 1,
      missing: 1,
      extra: 3,
      answerMismatch: 0,
    });
    // penalty = 1 + 1 + 1 + min(3, 3) + 0 = 6 >= N: process 0, reward 0.2 (process80).
    expect([d.penalty, d.process, d.reward]).toEqual([6, 0, 0.2]);
  });

  test("an extra step's dependencies are named, so the output's graph has its edges", () => {
    const out = gold.solution.replace(
      'Answer: 8.',
      'Define adult wolf in Pine Ridge as w; so w = a + b = 8. Define adult bat in Pine Ridge as u; so u = w + 1 = 9. Answer: 8.',
    );
    const d = v.verify(gold, out);
    expect(d.extras.map((e) => [e.name, e.dependsOn])).toEqual([
      ['adult wolf in Pine Ridge', ['adult owl in Pine Ridge', 'adult fox in Pine Ridge']],
      ['adult bat in Pine Ridge', ['adult wolf in Pine Ridge']],
    ]);
  });

  test('a step without a value, or whose "so" clause names another letter, is a value mismatch', () => {
    const noValue = gold.solution.replace('so a = 2.', 'we have it.');
    expect(v.verify(gold, noValue).nodes[0].issues).toEqual(['value_mismatch', 'dependency_mismatch']);
    const wrongLetter = gold.solution.replace('so a = 2.', 'so q = 2.');
    expect(v.verify(gold, wrongLetter).nodes[0].why[0]).toContain("'so' clause assigns another letter");
  });

  test('reverse mode: linear forms are compared exactly, however they are written', () => {
    const r = rows.find((x) => x.mode === 'reverse' && x.op === 5 && x.template === 'teachers_in_school')!;
    const same = r.solution.replace('= 5*x.', '= x*5 + 0.').replace('(4) * (x) = 4*x', '(4) * (x) = (8*x - 4*x)');
    expect(v.verify(r, same).processCorrect).toBe(true);
    const off = r.solution.replace('= 5*x.', '= 5*x + 1.');
    expect(v.verify(r, off).nodes[2]).toMatchObject({
      issues: ['value_mismatch'],
      why: [
        "value 5*x + 1 where the gold has 5*x, and its clause 'so z = x + Y = x + 4*x = 5*x + 1' does not hold: " +
          "'x + 4*x' is 5*x but '5*x + 1' is 5*x + 1",
      ],
    });
  });
});

describe('answers', () => {
  const gold = { solution: 'Define adult owl in Pine Ridge as a; so a = 12. Answer: 12.' };
  const cases: [string, number | null, string, boolean][] = [
    ['so a = 12. </solution> <answer> 12 </answer>', 12, 'tag', true],
    ['</solution> <answer>12</answer> Answer: 5.', 12, 'tag', true],
    ['</solution> <answer> 12', 12, 'open_tag', true],
    ['</solution> <answer> 12 </ans', 12, 'open_tag', true],
    ['Answer: 12.', 12, 'answer_line', true],
    ['Answer: 13.', 13, 'answer_line', false],
    ['<answer> -4 </answer>', -4, 'tag', false],
    ['<answer> 12 apples </answer>', null, 'tag', false],
    ['<answer> twelve </answer>', null, 'tag', false],
    ['<answer> 99999999999999999999 </answer>', null, 'tag', false],
    ['no answer at all', null, 'none', false],
  ];
  test.each(cases)('%j', (output, got, source, correct) => {
    const d = v.verify(gold, output);
    expect(d.answer).toEqual({ expected: 12, got, source, correct });
    expect(d.outcome).toBe(correct ? 1 : 0);
    if (!correct) expect(d.reward).toBe(0);
  });

  test('the gold row\'s "answer" field overrides the solution\'s Answer sentence', () => {
    expect(v.verify({ ...gold, answer: 13 }, '<answer> 13 </answer>').outcome).toBe(1);
  });
});

describe('rewards (SPEC §5)', () => {
  const r = rows.find((x) => x.op === 10 && x.mode === 'forward')!;
  const n = r.solution.split('Define ').length - 1;
  const wrongStep = corrupt(r, 'right_answer_wrong_step', rng(3), true)!;
  const oneWrong = wrongStep.output;
  // Issues the corruption causes (the changed step, and steps that write its old value), as counted by the penalty.
  const p = [...wrongStep.issues!.values()].flat().length;
  const extra = `Define adult yak in Nowhere as Y; so Y = 1. ${r.solution}`;

  test('weighted presets: (w_a + w_s * process) / (w_a + w_s), zero when the answer is wrong', () => {
    expect(p).toBeGreaterThan(0);
    expect(v.verify(r, oneWrong, REWARD_PRESETS.process80).reward).toBeCloseTo(0.2 + 0.8 * (1 - p / n), 12);
    expect(v.verify(r, oneWrong, REWARD_PRESETS.process50).reward).toBeCloseTo(0.5 + 0.5 * (1 - p / n), 12);
    expect(v.verify(r, oneWrong, REWARD_PRESETS.outcome).reward).toBe(1);
    const wrongAnswer = r.solution.replace(/Answer: \d+/, 'Answer: 1000');
    for (const cfg of Object.values(REWARD_PRESETS)) {
      const d = v.verify(r, wrongAnswer, cfg);
      expect([d.reward, d.outcome]).toEqual([0, 0]);
      expect(d.process).toBeCloseTo(1 - 1 / n, 12); // the answer mismatch is one penalty point
    }
  });

  test('strict: 1 only for a right answer with no mismatch', () => {
    expect(v.verify(r, r.solution, REWARD_PRESETS.strict).reward).toBe(1);
    expect(v.verify(r, oneWrong, REWARD_PRESETS.strict).reward).toBe(0);
  });

  test('extra nodes count in the RL presets and are allowed by the evaluation preset', () => {
    const rl = v.verify(r, extra, REWARD_PRESETS.strict);
    expect([rl.counts.extra, rl.processCorrect, rl.reward]).toEqual([1, false, 0]);
    expect(v.verify(r, extra, REWARD_PRESETS.process80).process).toBeCloseTo(1 - 1 / n, 12);
    const ev = v.verify(r, extra, REWARD_PRESETS.evaluation);
    expect([ev.counts.extra, ev.processCorrect, ev.reward, ev.process]).toEqual([1, true, 1, 1]);
  });

  test('a bad config is refused with the field named', () => {
    expect(checkRewardConfig({ ...REWARD_PRESETS.process80, processWeight: -1 })).toContain('processWeight');
    const d = v.verify(r, r.solution, { ...REWARD_PRESETS.process80, outcomeWeight: NaN });
    expect([d.status, d.reward]).toEqual(['bad_config', 0]);
    expect(d.message).toContain('outcomeWeight');
  });
});

describe('statuses and the batch form', () => {
  const r = rows[20];
  test('too long, bad gold, bad input: a verdict, never an exception', async () => {
    const long = 'x'.repeat(v.maxTextBytes + 1);
    expect(v.verify(r, long).status).toBe('too_long');
    expect(v.verify(r, 'é'.repeat(v.maxTextBytes / 2 + 1)).status).toBe('too_long'); // counted in UTF-8 bytes
    expect(v.verify({ solution: long }, r.solution).status).toBe('bad_gold');
    expect(v.verify({ solution: 'no steps. Answer: 2.' }, r.solution).message).toContain('Define');
    expect(v.verify({ solution: 'Define a b as c; so c = 2.' }, r.solution).message).toContain('answer');
    expect(v.verify({ solution: r.solution, answer: 1.5 }, r.solution).status).toBe('bad_gold');
    expect(v.verify(null as unknown as GoldSolution, r.solution).status).toBe('bad_gold');
    expect(v.verify(r, 42 as unknown as string).status).toBe('bad_input');
    expect((await verify(r, r.solution)).reward).toBe(1);
  });

  test('scoreBatch equals one score per output, for one gold and for one gold each', async () => {
    const r2 = rows[100];
    const outputs = CORRUPTIONS.map((k, i) => corrupt(r, k, rng(i), i % 2 === 0)?.output ?? r.solution);
    const one = v.scoreBatch(r, outputs);
    expect(one).toEqual(outputs.map((o) => v.score(r, o)));
    expect(one.map((s) => s.reward)).toEqual(outputs.map((o) => v.verify(r, o).reward));
    const golds = [r, r2, r, r2, r];
    const many = await scoreBatch(golds, outputs, REWARD_PRESETS.strict);
    expect(many).toEqual(outputs.map((o, i) => v.score(golds[i], o, REWARD_PRESETS.strict)));
    expect(v.scoreBatch([r], outputs)[0].status).toBe('bad_input');
  });
});

describe('corruptions of the genuine sample get their label', () => {
  test.each(CORRUPTIONS)('%s: right label in every one of 10,000 cases', (kind) => {
    const seed = testSeed();
    const r = rng(seed);
    let cases = 0;
    const wrong: string[] = [];
    for (let i = 0; cases < 10_000; i++) {
      const g = rows[i % rows.length];
      const c = corrupt(g, kind, r, i % 2 === 0);
      if (!c) continue;
      cases++;
      const why = wrongLabel(v.verify(g, c.output), c);
      if (why) wrong.push(`${why}: ${c.output}`);
    }
    expect(1 - wrong.length / cases, `TEST_SEED=${seed}\n${wrong.slice(0, 3).join('\n')}`).toBe(1);
  });
});
