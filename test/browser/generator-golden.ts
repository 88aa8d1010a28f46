// The golden set: the first 100 problems of a fixed seed for each template and mode, reduced to
// their ids (content hashes) and answers. Computed the same way in Node and in the browser bundle.
import { generateMany, MODES, TEMPLATES } from '../../ts/data/generator.js';

export const GOLDEN_SEED = 20251207;

export async function goldenIds(): Promise<string[]> {
  const rows: string[] = [];
  for (const template of TEMPLATES)
    for (const mode of MODES) {
      // ops 2-20 in turn, one problem each, so the set spans the study's range
      for (let i = 0; i < 100; i++) {
        const [p] = await generateMany({ seed: GOLDEN_SEED, op: 2 + (i % 19), template, mode, start: i, count: 1 });
        rows.push(`${template} ${mode} ${p.op} ${p.answer} ${p.id}`);
      }
    }
  return rows;
}
