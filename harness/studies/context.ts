// Finding 2 (SPEC §7): contextual transfer. Pre-training on context A (the zoo world) over op 2-20
// and context B (the teachers world) at op 2 only, B's share of the tokens 0%, 0.1%, 1% or 10%;
// GRPO on both contexts; pass@k of context B at ops 2-20 before and after RL. The study reports
// transfer to B only from ~1% exposure up.
import type { MixtureSpec } from '../../ts/data/mixture.js';
import type { RunSpec, ScaleName, StudyDef } from '../../ts/study/index.js';
import { SCALES } from './scales.js';

const A = 'crazy_zootopia';
const B = 'teachers_in_school';
const SHARES = [0, 0.001, 0.01, 0.1];

/** A over op 2-20 and B at op 2 with share b (forward only below paper scale, as every mixture). */
function mixture(b: number, scale: ScaleName): MixtureSpec {
  const modes = scale === 'paper' ? {} : { modes: { forward: 1 } };
  const a = { ops: { '2-20': 1 }, templates: { [A]: 1 }, ...modes };
  if (b === 0) return a;
  return {
    components: [
      { share: 1 - b, ...a },
      { share: b, ops: { '2': 1 }, templates: { [B]: 1 }, ...modes },
    ],
  };
}

export const context: StudyDef = {
  name: 'context',
  title: 'Contextual transfer against B’s exposure in pre-training',
  finding:
    'RL on mixed contexts transfers to context B only if pre-training exposed the model to B at least ~1% of ' +
    'the time (0.1% fails).',
  reported: [
    { claim: 'B share 0.1%: pass@128 on B at ops 2-20 after RL', value: 'little transfer' },
    { claim: 'B share 1% and 10%', value: 'strong transfer' },
  ],
  scales: SCALES,
  runs(_scale, name) {
    const runs: RunSpec[] = [];
    for (const b of SHARES) {
      const pct = `${+(b * 100).toFixed(1)}%`;
      const base = `base-b${pct}`;
      const rl = `rl-b${pct}`;
      // Evaluated on B alone, at every op the scale evaluates.
      const onB = { templates: [B] };
      runs.push(
        { id: base, kind: 'pretrain', config: { mixture: mixture(b, name) } },
        // RL on both contexts at every op of A's range (SPEC §7 says "mixed contexts"; the ops are ours).
        { id: rl, kind: 'rl', from: { init: base }, config: { ops: [2, 20], templates: [A, B] } },
        {
          id: `eval-${base}`,
          kind: 'eval',
          from: { checkpoint: base },
          config: onB,
          label: { row: `base, B ${pct}`, series: 'base', x: pct },
        },
        {
          id: `eval-${rl}`,
          kind: 'eval',
          from: { checkpoint: rl },
          config: onB,
          label: { row: `RL, B ${pct}`, series: 'after RL', x: pct },
        },
      );
    }
    return runs;
  },
  report: { groups: ['all'], metrics: ['pass@1', 'pass@n'], x: 'B’s share of pre-training tokens' },
};
