import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  generate,
  generateMany,
  promptText,
  trainingText,
  MODES,
  TEMPLATES,
  type Mode,
  type Problem,
  type Template,
} from '../../ts/data/generator.js';
import { loadEngine } from '../../ts/data/engine.js';
import { GOLDEN_DIGEST, goldenIds } from '../browser/generator-golden.js';
import {
  checkSolution,
  evalExpr,
  evaluateProblem,
  parseFact,
  parseSolution,
  questionName,
  recountOps,
  splitSentences,
} from './generator-text.js';

const genuine: Problem[] = readFileSync(new URL('../fixtures/gsm_infinite_sample.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));

/** Every check a generated (or genuine) problem must pass; returns the fact kinds it used. */
function checkProblem(p: Problem, strict = true): string[] {
  expect(recountOps(p.solution)).toBe(p.op);
  const { valueOf, facts } = evaluateProblem(p.problem, p.mode === 'reverse' ? p.answer : undefined, strict);
  const letters = checkSolution(p.solution, valueOf);
  // at most four dependencies per fact, a constant counting as one, as in every genuine fact
  for (const f of facts) expect(f.refs.length + (f.constant === undefined ? 0 : 1), f.name).toBeLessThanOrEqual(4);
  const sol = parseSolution(p.solution);
  expect(sol.answer).toBe(p.answer);
  expect(sol.reverse).toBe(p.mode === 'reverse');
  const asked = questionName(p.question);
  expect(valueOf(asked)).toBe(p.answer);
  const last = sol.clauses[sol.clauses.length - 1];
  if (p.mode === 'forward') {
    expect(last.name).toBe(asked);
    expect(sol.tail).toBe('');
  } else {
    expect(facts.filter((f) => f.unknown).map((f) => f.name)).toContain(asked);
    checkEquation(sol.tail, letters.get(last.letter)!, last.letter, p.answer);
  }
  return facts.map((f) => f.form);
}

/** The reverse-mode tail: the target's value gives a linear equation in x, solved step by step. */
function checkEquation(tail: string, targetValue: number, letter: string, answer: number): void {
  const m =
    /^ We know ([A-Za-z]) = (\d+), so we have (.+) = (\d+) and we solve it through the following steps: Simplifying the equation: (.+) = (\d+)\. Move all terms to one side: (.+) = 0\. Isolate the term with x: (-?\d+)\*x = (-?\d+)\. Divide both sides by (-?\d+): x = (-?\d+) \/ (-?\d+)\. Solution: x = (\d+)\.$/.exec(
      tail,
    );
  expect(m, tail).not.toBeNull();
  const [, l, g, lhs, g2, lhs2, g3, moved, a, r, a2, r2, a3, sol] = m!;
  expect([l, Number(g), g2, g3, lhs2]).toEqual([letter, targetValue, g, g, lhs]);
  // the left side is linear in x, and moving g keeps it the same function
  for (const x of [0, 1, answer, 7]) expect(evalExpr(moved, x)).toBe(evalExpr(lhs, x) - Number(g));
  expect(evalExpr(lhs, answer)).toBe(Number(g));
  expect(Number(a) * answer).toBe(Number(r));
  expect(evalExpr(lhs, 1) - evalExpr(lhs, 0)).toBe(Number(a));
  expect([a2, r2, a3, Number(sol)]).toEqual([a, r, a, answer]);
}

describe('the independent readers agree with the genuine GSM-Infinite sample', () => {
  it('recounts the op of all 147 genuine solutions', () => {
    expect(genuine.length).toBe(147);
    for (const p of genuine) expect(recountOps(p.solution), p.solution).toBe(p.op);
  });

  it('parses, evaluates and verifies every genuine problem and solution', () => {
    let checked = 0;
    for (const p of genuine) {
      // Two genuine reverse problems (teachers, op 5 and 12) lost a fact to a known generator bug: a
      // sentence was overwritten by a second copy of the "exists" sentence. Ours must not do that.
      if (splitSentences(p.problem).filter((s) => s.includes('exists, and')).length > 1) continue;
      checkProblem(p, false);
      checked++;
    }
    expect(checked).toBe(145);
  });
});

const sampleOps = Array.from({ length: 29 }, (_, i) => i + 2);

describe('generated problems', () => {
  it('match the requested op by an independent recount, for every op 2-30, template and mode', async () => {
    const forms = new Set<string>();
    let n = 0;
    for (const mode of MODES)
      for (const template of TEMPLATES)
        for (const op of sampleOps) {
          const ps = await generateMany({ seed: 11, op, template, mode, count: op <= 20 ? 12 : 3 });
          for (const p of ps) {
            expect([p.op, p.template, p.mode]).toEqual([op, template, mode]);
            for (const f of checkProblem(p)) forms.add(f);
            n++;
          }
        }
    expect(n).toBeGreaterThan(1500);
    // every sentence form of SPEC §1 occurs
    for (const f of [
      'const',
      'ref',
      'plus-ref',
      'times-ref',
      'sum2',
      'sumN',
      'diff',
      'plus-sum',
      'times-sum',
      'plus-diff',
      'times-diff',
      'unknown',
    ])
      expect(forms, f).toContain(f);
  });

  it('keep every value the solution needs in 0..1000, 0 only where GSM-Infinite allows it', async () => {
    // Distractors are never evaluated by GSM-Infinite (they may be negative or over 1000), so only
    // the solution's quantities are held to the rules; every fact still has a value (no cycles).
    for (const mode of MODES) {
      const ps = await generateMany({ seed: 5, op: 20, template: 'crazy_zootopia', mode, count: 40 });
      for (const p of ps) {
        const { valueOf } = evaluateProblem(p.problem, mode === 'reverse' ? p.answer : undefined);
        for (const { name } of parseSolution(p.solution).clauses) {
          const v = valueOf(name);
          expect(v, name).toBeLessThanOrEqual(1000);
          expect(v, name).toBeGreaterThanOrEqual(/total|all/.test(name) ? 0 : 1);
        }
      }
    }
  });

  it('write reverse problems the way GSM-Infinite does', async () => {
    const ps = await generateMany({ seed: 3, op: 9, template: 'teachers_in_school', mode: 'reverse', count: 50 });
    for (const p of ps) {
      expect(p.solution.startsWith('The question is difficult, so we use equations to solve it. Define ')).toBe(true);
      const sentences = splitSentences(p.problem);
      expect(sentences.filter((s) => s.endsWith('exists, and its number is greater than 0')).length).toBe(1);
      expect(p.question.startsWith('How many ')).toBe(true);
      expect(p.answer).toBeGreaterThanOrEqual(1);
      expect(p.answer).toBeLessThanOrEqual(4);
      // letters never take x (the unknown's) or X, as in the study's reverse solutions
      const letters = [...p.solution.matchAll(/(?: as |; (?:so )?)([A-Za-z])(?:;| =)/g)].map((m) => m[1]);
      expect(letters.filter((l) => l === 'x').length).toBe(1);
      expect(letters).not.toContain('X');
    }
  });

  it('draw their sizes like the study: a handful of facts, more steps as op grows', async () => {
    const stats = async (op: number) => {
      const ps = await generateMany({ seed: 9, op, template: 'movie_festival_awards', mode: 'forward', count: 200 });
      const mean = (f: (p: Problem) => number) => ps.reduce((s, p) => s + f(p), 0) / ps.length;
      return {
        facts: mean((p) => splitSentences(p.problem).length),
        steps: mean((p) => parseSolution(p.solution).clauses.length),
        aggregateQuestions: mean((p) => (p.question.startsWith('What is the total') ? 1 : 0)),
      };
    };
    const s2 = await stats(2);
    const s10 = await stats(10);
    const s20 = await stats(20);
    expect(s2.steps).toBeGreaterThanOrEqual(1.9);
    expect(s2.steps).toBeLessThanOrEqual(2);
    expect(s10.steps).toBeGreaterThan(s2.steps + 2);
    expect(s20.steps).toBeGreaterThan(s10.steps + 2);
    for (const s of [s2, s10, s20]) {
      expect(s.facts).toBeGreaterThan(2);
      expect(s.facts).toBeLessThan(15);
      expect(s.aggregateQuestions).toBeGreaterThan(0.5);
    }
  });
});

describe('determinism and ids', () => {
  it('gives the same bytes for the same seed and arguments, and other problems for other seeds', async () => {
    const o = { seed: 42, op: 7, template: 'crazy_zootopia' as Template, mode: 'forward' as Mode };
    const a = await generateMany({ ...o, count: 20 });
    const b = await generateMany({ ...o, count: 20 });
    expect(b).toEqual(a);
    expect(await generate(o)).toEqual(a[0]);
    // problem i of a seed is the same whether drawn alone or in a batch
    expect((await generateMany({ ...o, start: 13, count: 1 }))[0]).toEqual(a[13]);
    // a batch larger than one engine call continues the same stream
    const big = await generateMany({ ...o, op: 2, count: 2100 });
    expect(big.slice(2046, 2050)).toEqual(await generateMany({ ...o, op: 2, start: 2046, count: 4 }));
    const c = await generateMany({ ...o, seed: 43, count: 20 });
    expect(new Set([...a, ...c].map((p) => p.id)).size).toBe(40);
  });

  it('gives the pinned golden set (600 problems of a fixed seed) from one version to the next', async () => {
    const digest = createHash('sha256')
      .update((await goldenIds()).join('\n'))
      .digest('hex');
    expect(
      digest,
      'generator output changed: if intended, update GOLDEN_DIGEST in test/browser/generator-golden.ts',
    ).toBe(GOLDEN_DIGEST);
  });

  it('accepts every safe-integer seed', async () => {
    const big = {
      seed: Number.MAX_SAFE_INTEGER,
      op: 4,
      template: 'teachers_in_school' as Template,
      mode: 'reverse' as Mode,
    };
    expect(await generate(big)).toEqual(await generate(big));
    expect((await generate(big)).id).not.toBe((await generate({ ...big, seed: big.seed - 1 })).id);
  });

  it('ids are the FNV-1a 64 hash of problem, question and solution', async () => {
    const fnv = (s: string): string => {
      let h = 0xcbf29ce484222325n;
      for (let i = 0; i < s.length; i++) h = ((h ^ BigInt(s.charCodeAt(i))) * 0x100000001b3n) & 0xffffffffffffffffn;
      return h.toString(16).padStart(16, '0');
    };
    for (const p of await generateMany({
      seed: 1,
      op: 5,
      template: 'movie_festival_awards',
      mode: 'reverse',
      count: 10,
    }))
      expect(p.id).toBe(fnv(`${p.problem}\n${p.question}\n${p.solution}`));
  });
});

describe('training and prompt text', () => {
  it('follow SPEC §1', () => {
    const p = genuine[0];
    expect(trainingText(p)).toBe(
      `<question> ${p.problem.trim()} ${p.question} </question> <solution> Define adult racoon in Maple Creek as C; so C = 2. ` +
        'Define total number of adult animals in Maple Creek as x; so x = C = 2. </solution> <answer> 2 </answer>',
    );
    expect(trainingText(p).startsWith(promptText(p))).toBe(true);
    expect(promptText(p).endsWith('</question> <solution>')).toBe(true);
  });
});

describe('templates', () => {
  it('are data in the engine, and the TypeScript list names the same ones', async () => {
    expect((await loadEngine()).genTemplateNames().split(',').sort()).toEqual([...TEMPLATES].sort());
  });
});

describe('bad input', () => {
  const base = { seed: 1, op: 5, template: 'crazy_zootopia' as Template, mode: 'forward' as Mode };
  it.each([
    [{ op: 1 }, /op must be an integer in 2\.\.30/],
    [{ op: 31 }, /op must be/],
    [{ op: 2.5 }, /op must be/],
    [{ seed: -1 }, /seed must be/],
    [{ seed: 0.5 }, /seed must be/],
    [{ template: 'zoo' }, /unknown template 'zoo'/],
    [{ mode: 'sideways' }, /mode must be/],
  ])('%o is refused', async (bad, msg) => {
    await expect(generate({ ...base, ...(bad as object) } as typeof base)).rejects.toThrow(msg);
  });

  it('parseFact rejects a sentence shape GSM-Infinite never writes', () => {
    expect(() => parseFact('The number of adult owl in South Zoo equals 2 minus 3')).toThrow(/not a quantity/);
  });
});
