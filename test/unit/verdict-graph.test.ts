// The two graphs of a verdict (the Samples page draws them): gold steps with their mismatches, the
// output's steps with theirs and its extra steps, and the edges each side reads. The output below has
// a wrong value, a missing step, a wrong dependency and an extra step reading two others.
import { beforeAll, describe, expect, it } from 'vitest';
import { verdictGraphs } from '../../ts/data/verdict-graph.js';
import { loadVerifier, type Verdict } from '../../ts/data/verifier.js';

const OWL = 'adult owl in Pine Ridge',
  FOX = 'adult fox in Pine Ridge',
  TOTAL = 'total number of adult animals in Pine Ridge',
  WOLF = 'adult wolf in Pine Ridge';
const gold = {
  solution:
    `Define ${OWL} as a; so a = 2. Define ${FOX} as b; c = a + 1 = 2 + 1 = 3; so b = 2 * c = 2 * 3 = 6. ` +
    `Define ${TOTAL} as d; so d = a + b = 2 + 6 = 8. Answer: 8.`,
};

let verdict: Verdict;
beforeAll(async () => {
  const out =
    `Define ${OWL} as a; so a = 3. Define ${TOTAL} as d; so d = a + 5 = 3 + 5 = 8. ` +
    `Define ${WOLF} as w; so w = a + d = 11. Answer: 8.`;
  verdict = (await loadVerifier()).verify(gold, out);
});

describe('verdictGraphs', () => {
  it('marks the gold steps: value, missing, dependency; its edges are what each gold step reads', () => {
    const { gold: g } = verdictGraphs(verdict);
    expect(g.nodes.map((n) => [n.id, n.marks, n.value])).toEqual([
      [OWL, ['value'], '2'],
      [FOX, ['missing'], '6'],
      [TOTAL, ['dependency'], '8'],
    ]);
    expect(g.edges).toEqual([
      [OWL, FOX],
      [OWL, TOTAL],
      [FOX, TOTAL],
    ]);
    expect(g.nodes[0].why[0]).toBe('value 3 where the gold has 2');
  });

  it("draws the output's steps (the missing one absent) and its extra step with the edges they read", () => {
    const { output } = verdictGraphs(verdict);
    const extra = `extra 1: ${WOLF}`;
    expect(output.nodes.map((n) => [n.id, n.letter, n.marks])).toEqual([
      [OWL, 'a', ['value']],
      [TOTAL, 'd', ['dependency']],
      [extra, 'w', ['extra']],
    ]);
    expect(output.edges).toEqual([
      [OWL, TOTAL],
      [OWL, extra],
      [TOTAL, extra],
    ]);
  });
});
