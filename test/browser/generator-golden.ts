// The golden set: the first 100 problems of a fixed seed for each template and mode, reduced to
// their ids (content hashes) and answers. Computed the same way in Node and in the browser bundle.
import { generateMany, MODES, TEMPLATES } from '../../ts/data/generator.js';

export const GOLDEN_SEED = 20251207;

/**
 * SHA-256 of goldenIds().join('\n'), pinned so that a change to the generator's output is a
 * deliberate one: datasets and evaluation sets are regenerated from seeds. After an intended
 * change, update it (and say so in the commit); test/unit/generator.test.ts prints the new value.
 */
export const GOLDEN_DIGEST = 'df836efd7930dc306981977136ba32351f3998f5f56bba8bf46b62fd0171fec9';

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
