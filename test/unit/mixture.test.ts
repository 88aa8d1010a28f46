import { describe, expect, it } from 'vitest';
import { parseMixture, PRESETS, SHARE_TOLERANCE, type Cell } from '../../ts/data/mixture.js';

const total = (cells: Cell[], keep: (c: Cell) => boolean = () => true) =>
  cells.filter(keep).reduce((s, c) => s + c.share, 0);

describe('mixture', () => {
  it('expands op groups, ranges, templates and modes into cells whose shares sum to 1', () => {
    const cells = parseMixture({ ops: { easy: 0.2, medium: 0.3, hard: 0.5 } });
    expect(cells).toHaveLength(9 * 3 * 2);
    expect(total(cells)).toBeCloseTo(1, 12);
    expect(total(cells, (c) => c.op >= 2 && c.op <= 4)).toBeCloseTo(0.2, 12);
    expect(total(cells, (c) => c.op === 9)).toBeCloseTo(0.5 / 3, 12);
    expect(total(cells, (c) => c.mode === 'reverse')).toBeCloseTo(0.5, 12);
    expect(total(cells, (c) => c.template === 'teachers_in_school')).toBeCloseTo(1 / 3, 12);
    const ops = cells.map((c) => c.op);
    expect(ops).toEqual([...ops].sort((a, b) => a - b));
  });

  it('normalizes shares that sum to 1 within the tolerance, and drops zero shares', () => {
    const cells = parseMixture({
      ops: { '2': 0.3333, '3': 0.3333, '4': 0.3333, '5': 0 },
      templates: { crazy_zootopia: 1 },
      modes: { forward: 1 },
    });
    expect(cells.map((c) => c.op)).toEqual([2, 3, 4]);
    for (const c of cells) expect(c.share).toBeCloseTo(1 / 3, 12);
  });

  it('mixes components: context B at 1% appears only at op 2', () => {
    const cells = parseMixture('context-b-1pct');
    expect(total(cells, (c) => c.template === 'teachers_in_school')).toBeCloseTo(0.01, 12);
    expect(cells.filter((c) => c.template === 'teachers_in_school').map((c) => c.op)).toEqual([2, 2]);
    expect(total(cells, (c) => c.template === 'crazy_zootopia' && c.op === 20)).toBeCloseTo(0.99 / 19, 12);
    const mid = parseMixture('midtrain');
    expect(total(mid, (c) => c.op >= 11)).toBeCloseTo(0.8, 12);
  });

  it('accepts every preset, JSON text, and refuses unknown presets', () => {
    for (const name of Object.keys(PRESETS)) expect(total(parseMixture(name))).toBeCloseTo(1, 12);
    expect(parseMixture('{"ops": {"7": 1}}')).toHaveLength(6);
    expect(() => parseMixture('unifrom')).toThrow(/unknown mixture preset 'unifrom'; presets: uniform/);
    expect(() => parseMixture('{"ops": ')).toThrow(/not valid JSON/);
  });

  it('refuses bad shares with a message naming the field', () => {
    const bad: [unknown, RegExp][] = [
      [{ ops: { '2': -0.1, '3': 1.1 } }, /ops: share of '2' is negative/],
      [{ ops: { '2': 1.5 } }, /share of '2' is over 1/],
      // The study's typo (SPEC §8): 0.86 where 0.086 was meant.
      [{ ops: { '2': 0.1, '3': 0.86, '4': 0.1 } }, /ops: shares sum to 1.06, not 1/],
      [{ ops: { '2': 0.5, '3': 0.5 - 2 * SHARE_TOLERANCE } }, /sum to 0.998/],
      [{ ops: { '2': '0.5', '3': 0.5 } }, /share of '2' must be a number/],
      [{ ops: { '2': 1 }, templates: { zoo: 1 } }, /templates: unknown name 'zoo'/],
      [{ ops: { '2': 1 }, modes: { backward: 1 } }, /modes: unknown name 'backward'/],
      [{ ops: { '1': 1 } }, /'1' is not an op in 2\.\.30/],
      [{ ops: { '10-2': 1 } }, /'10-2' is not an op/],
      [{ ops: { easy: 0.5, '3': 0.5 } }, /op 3 is listed twice \('3' and 'easy'\)/],
      [{ ops: {} }, /ops: must be a non-empty object/],
      [{ ops: { '2': 1 }, op: 1 }, /unknown field\(s\) op/],
      [
        {
          components: [
            { share: 0.2, ops: { '2': 1 } },
            { share: 0.9, ops: { '3': 1 } },
          ],
        },
        /component shares: shares sum to 1.1/,
      ],
      [{ components: [{ share: 1, ops: { '2': 1, '3': 1 } }] }, /components\[0\]\.ops: shares sum to 2/],
      [{ components: [] }, /components: must be a non-empty array/],
    ];
    for (const [spec, message] of bad) expect(() => parseMixture(spec), JSON.stringify(spec)).toThrow(message);
  });
});
