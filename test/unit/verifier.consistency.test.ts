// Process-verified correctness needs more than the right value at the end of each step: every
// clause chain "L = e1 = e2 = ... = v" must hold with each letter's value at that point, a number
// written for a letter must be its value, and reverse mode's closing equations must follow from
// each other. Each case below keeps every step's final value right (so only these checks can
// catch it) and expects a value mismatch on the step whose clause is wrong, with the reason.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, test } from 'vitest';
import { loadVerifier, type Verifier } from '../../ts/data/verifier.js';

let v: Verifier;
beforeAll(async () => {
  v = await loadVerifier();
});

/** The judgement of `output` against `gold`: which nodes have which issues, and the reasons. */
function judged(gold: { solution: string; answer?: number }, output: string) {
  const d = v.verify(gold, output);
  expect(d.status).toBe('ok');
  return {
    wrong: d.nodes.filter((n) => !n.fine).map((n) => ({ name: n.name, issues: n.issues, why: n.why.join(' | ') })),
    processCorrect: d.processCorrect,
    outcome: d.outcome,
  };
}

describe('forward clause chains', () => {
  const gold = {
    solution:
      'Define adult owl in Pine Ridge as a; so a = 2. Define adult fox in Pine Ridge as b; c = a + 1 = 2 + 1 = 3; ' +
      'so b = 2 * c = 2 * 3 = 6. ' +
      'Define total number of adult animals in Pine Ridge as d; so d = a + b = 2 + 6 = 8. Answer: 8.',
  };
  const change = (from: string, to: string): string => {
    expect(gold.solution).toContain(from);
    return gold.solution.replace(from, to);
  };
  const fox = 'adult fox in Pine Ridge';
  const total = 'total number of adult animals in Pine Ridge';

  test('the gold, and right chains written differently, are fine', () => {
    for (const out of [
      gold.solution,
      change('so d = a + b = 2 + 6 = 8', 'so d = a + b = 8'), // no written-out operands
      change('so d = a + b = 2 + 6 = 8', 'so d = a + b = (2) + (6) = 8'), // operands in parentheses
      change('so d = a + b = 2 + 6 = 8', 'so d = a + b = 2 + 6 = 4 + 4 = 8'), // a longer chain
      change('so d = a + b = 2 + 6 = 8', 'so d = a + b = b + a = 8'), // letters for letters: a renaming
    ]) {
      expect(judged(gold, out), out).toEqual({ wrong: [], processCorrect: true, outcome: 1 });
    }
  });

  test("a scratch clause's wrong result is the step's value mismatch, though the step ends right", () => {
    // The issue's shape: "V = U + u = 16 + 4 = 17; so Q = ...".
    const j = judged(gold, change('c = a + 1 = 2 + 1 = 3', 'c = a + 1 = 2 + 1 = 4'));
    expect(j.wrong).toEqual([
      {
        name: fox,
        issues: ['value_mismatch'],
        why: "its clause 'c = a + 1 = 2 + 1 = 4' does not hold: '2 + 1' is 3 but '4' is 4",
      },
    ]);
    expect(j.processCorrect).toBe(false);
  });

  test("a number written for a letter must be the letter's value, even when the sum comes out right", () => {
    // The issue's shape "so Z = l + W = 21 + 4 = 25" with W holding 8; here 3 + 5 makes the same 8.
    const j = judged(gold, change('so d = a + b = 2 + 6 = 8', 'so d = a + b = 3 + 5 = 8'));
    expect(j.wrong).toEqual([
      {
        name: total,
        issues: ['value_mismatch'],
        why: "its clause 'so d = a + b = 3 + 5 = 8' writes '3' for 'a', which is 2 there",
      },
    ]);
  });

  test('the number for the second letter is checked too, in a so clause as in a scratch clause', () => {
    const j = judged(gold, change('so b = 2 * c = 2 * 3', 'so b = 2 * c = 2 * 4'));
    expect(j.wrong).toEqual([
      {
        name: fox,
        issues: ['value_mismatch'],
        why: "its clause 'so b = 2 * c = 2 * 4 = 6' writes '4' for 'c', which is 3 there",
      },
    ]);
  });

  test('a wrong intermediate in a chain of three expressions', () => {
    const j = judged(gold, change('so d = a + b = 2 + 6 = 8', 'so d = a + b = 2 + 6 = 9 = 8'));
    expect(j.wrong[0].why).toBe("its clause 'so d = a + b = 2 + 6 = 9 = 8' does not hold: '2 + 6' is 8 but '9' is 9");
    const first = judged(gold, change('c = a + 1 = 2 + 1 = 3', 'c = a + 1 = 4 - 1 + 1 = 3'));
    expect(first.wrong).toEqual([
      {
        name: fox,
        issues: ['value_mismatch'],
        why: "its clause 'c = a + 1 = 4 - 1 + 1 = 3' does not hold: 'a + 1' is 3 but '4 - 1 + 1' is 4",
      },
    ]);
    // Written out term by term, a wrong number is named: here the constant 1 written as 2.
    expect(judged(gold, change('c = a + 1 = 2 + 1 = 3', 'c = a + 1 = 2 + 2 = 3')).wrong[0].why).toBe(
      "its clause 'c = a + 1 = 2 + 2 = 3' writes '2' for '1', which is 1 there",
    );
  });

  test('an expression of the chain that is not arithmetic, or a scratch value that cannot be read', () => {
    const words = judged(gold, change('so b = 2 * c = 2 * 3 = 6', 'so b = 2 * c = 2 * three = 6'));
    expect(words.wrong).toEqual([
      {
        name: fox,
        issues: ['value_mismatch'],
        why: "its clause 'so b = 2 * c = 2 * three = 6' has an expression that cannot be evaluated: '2 * three'",
      },
    ]);
    // The step reads c, whose value is unreadable: the error is reported once, where c was assigned.
    const scratch = judged(gold, change('c = a + 1 = 2 + 1 = 3', 'c = a + 1 = 2 + 1 = 3 + y'));
    expect(scratch.wrong.map((w) => [w.name, w.issues])).toEqual([[fox, ['value_mismatch']]]);
    expect(scratch.wrong[0].why).toContain(
      "'c = a + 1 = 2 + 1 = 3 + y' has an expression that cannot be evaluated: '3 + y'",
    );
  });

  test('a wrong value and an inconsistent clause on one step are both explained', () => {
    const j = judged(gold, change('so d = a + b = 2 + 6 = 8', 'so d = a + b = 2 + 6 = 9'));
    expect(j.wrong[0].why).toBe(
      "value 9 where the gold has 8, and its clause 'so d = a + b = 2 + 6 = 9' does not hold: '2 + 6' is 8 but '9' is 9",
    );
  });

  test('a later step that writes the old number for a changed letter is wrong too', () => {
    // a is now 3 (a value mismatch); d still writes 2 for a.
    const j = judged(gold, change('so a = 2.', 'so a = 3.').replace('c = a + 1 = 2 + 1', 'c = a + 0 = 3 + 0'));
    expect(j.wrong.map((w) => w.name)).toEqual(['adult owl in Pine Ridge', total]);
    expect(j.wrong[1].why).toContain("writes '2' for 'a', which is 3 there");
  });
});

describe("the issue's two shapes, as written there", () => {
  // U = 16, u = 4, l = 21, W = 8; the gold's Q reads V and u, and its Z reads l and u.
  const head =
    'Define adult owl in Oak Farm as U; so U = 16. Define adult crow in Oak Farm as u; so u = 4. ' +
    'Define adult bear in Oak Farm as l; so l = 21. Define adult wolf in Oak Farm as W; so W = 8. ';
  const gold = {
    solution:
      head +
      'Define adult deer in Oak Farm as Q; V = U + u = 16 + 4 = 20; so Q = V + u = 20 + 4 = 24. ' +
      'Define adult fox in Oak Farm as Z; so Z = l + u = 21 + 4 = 25. Answer: 25.',
  };

  test("'V = U + u = 16 + 4 = 17; so Q = ...' with Q's value right", () => {
    const out = gold.solution.replace('V = U + u = 16 + 4 = 20;', 'V = U + u = 16 + 4 = 17;');
    const j = judged(gold, out);
    expect(j.wrong).toEqual([
      {
        name: 'adult deer in Oak Farm',
        issues: ['value_mismatch'],
        why: "its clause 'V = U + u = 16 + 4 = 17' does not hold: '16 + 4' is 20 but '17' is 17",
      },
    ]);
  });

  test("'so Z = l + W = 21 + 4 = 25' where W holds 8", () => {
    const j = judged(gold, gold.solution.replace('so Z = l + u = 21 + 4 = 25', 'so Z = l + W = 21 + 4 = 25'));
    expect(j.wrong).toEqual([
      {
        name: 'adult fox in Oak Farm',
        issues: ['value_mismatch', 'dependency_mismatch'],
        why:
          "its clause 'so Z = l + W = 21 + 4 = 25' writes '4' for 'W', which is 8 there | " +
          'reads adult bear in Oak Farm; adult wolf in Oak Farm ' +
          'where the gold reads adult bear in Oak Farm; adult crow in Oak Farm',
      },
    ]);
  });
});

describe('reverse mode', () => {
  const rows = readFileSync(new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { solution: string; answer: number; op: number; template: string; mode: string });
  // "... as x; ... m = x = x; so Y = 4 * m = (4) * (x) = 4*x. ... so z = x + Y = x + 4*x = 5*x.
  //  We know z = 20, so we have 5*x = 20 ... Divide both sides by 5: x = 20 / 5. Solution: x = 4."
  const gold = rows.find((r) => r.mode === 'reverse' && r.op === 5 && r.template === 'teachers_in_school')!;
  const change = (from: string, to: string): string => {
    expect(gold.solution).toContain(from);
    return gold.solution.replace(from, to);
  };
  const unknown = 'private middle school in Clearwater Bay';

  test('equivalent closing equations written differently are fine', () => {
    for (const out of [change('5*x - 20 = 0', '0 = 20 - 5*x'), change('so we have 5*x = 20', 'so we have 10*x = 40')]) {
      expect(judged(gold, out), out).toEqual({ wrong: [], processCorrect: true, outcome: 1 });
    }
  });

  test('a wrong simplification of a linear form', () => {
    const j = judged(gold, change('x + 4*x = 5*x', 'x + 3*x = 5*x'));
    expect(j.wrong).toEqual([
      {
        name: 'total number of schools in Clearwater Bay',
        issues: ['value_mismatch'],
        why: "its clause 'so z = x + Y = x + 3*x = 5*x' does not hold: 'x + Y' is 5*x but 'x + 3*x' is 4*x",
      },
    ]);
  });

  test('a form in parentheses written for a letter must be its value', () => {
    const j = judged(gold, change('(4) * (x) = 4*x', '(4) * (2*x) = 4*x'));
    expect(j.wrong[0].why).toBe(
      "its clause 'so Y = 4 * m = (4) * (2*x) = 4*x' writes '(2*x)' for 'm', which is x there",
    );
    expect(judged(gold, change('m = x = x', 'm = x = 2*x')).wrong[0].why).toBe(
      "its clause 'm = x = 2*x' does not hold: 'x' is x but '2*x' is 2*x",
    );
  });

  test('closing equations that do not follow are wrong on the unknown, whose value they find', () => {
    const cases: [string, string, string][] = [
      ['Solution: x = 4.', 'Solution: x = 5.', "its closing equation 'x = 5' does not follow from 'z = 20'"],
      ['5*x - 20 = 0', '5*x - 21 = 0', "its closing equation '5*x - 21 = 0' does not follow from 'z = 20'"],
      ['so we have 5*x = 20', 'so we have 4*x = 20', "its closing equation '4*x = 20' does not follow from 'z = 20'"],
      ['We know z = 20', 'We know z = 25', "its closing equation '5*x = 20' does not follow from 'z = 25'"],
      ['x = 20 / 5', 'x = 21 / 5', "its closing equation 'x = 21 / 5' cannot be evaluated in integers"],
      [
        'Divide both sides by 5:',
        'Divide both sides by 4:',
        "its closing step 'Divide both sides by 4' divides by 4, but the x coefficient of '5*x = 20' is 5",
      ],
    ];
    for (const [from, to, why] of cases) {
      const j = judged(gold, change(from, to));
      expect(j.wrong, to).toEqual([{ name: unknown, issues: ['value_mismatch'], why }]);
      expect(j.outcome).toBe(1);
    }
  });

  test('a closing equation without x cannot find x', () => {
    const j = judged(gold, change('We know z = 20, so we have 5*x = 20', 'We know 5 = 5, so we have 5*x = 20'));
    expect(j.wrong).toEqual([
      {
        name: unknown,
        issues: ['value_mismatch'],
        why: "its closing equation '5 = 5' has no x term, so it cannot determine x",
      },
    ]);
  });
});
