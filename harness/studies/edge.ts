// Finding 1 (SPEC §7): RL lifts pass@128 only at the model's edge of competence. One base
// pre-trained on 0.2 / 0.3 / 0.5 easy / medium / hard (op 2-10), GRPO from it on four op ranges
// (in-distribution, two at the edge, too hard), and pass@k of the base and of every RL model on
// ID, OOD-edge and OOD-hard.
import type { RunSpec, StudyDef } from '../../ts/study/index.js';
import { mixtureAt, SCALES } from './scales.js';

const REGIMES: [number, number][] = [
  [7, 10],
  [9, 12],
  [11, 14],
  [17, 20],
];

export const edge: StudyDef = {
  name: 'edge',
  title: 'RL at the edge of competence',
  finding:
    'RL raises pass@128 only when pre-training leaves headroom and the RL data sits at the edge of competence ' +
    '(op 11-14); RL on ID data (op 7-10) raises pass@1 only; RL on op 17-20 barely moves.',
  reported: [
    { claim: 'edge-of-competence RL (op 11-14) vs the base, pass@128 on OOD', value: 'up to +42%' },
    { claim: 'ID RL (op 7-10)', value: 'pass@1 up, pass@128 flat' },
    { claim: 'too-hard RL (op 17-20)', value: 'barely moves' },
  ],
  scales: SCALES,
  runs(_scale, name) {
    const runs: RunSpec[] = [
      { id: 'base', kind: 'pretrain', config: { mixture: mixtureAt('easy-medium-hard-0.2-0.3-0.5', name) } },
      { id: 'eval-base', kind: 'eval', from: { checkpoint: 'base' }, label: { row: 'base' } },
    ];
    for (const [lo, hi] of REGIMES) {
      const id = `rl-${lo}-${hi}`;
      runs.push({ id, kind: 'rl', from: { init: 'base' }, config: { ops: [lo, hi] } });
      runs.push({ id: `eval-${id}`, kind: 'eval', from: { checkpoint: id }, label: { row: `RL op ${lo}-${hi}` } });
    }
    return runs;
  },
  report: { groups: ['ID', 'OOD-edge', 'OOD-hard'], metrics: ['pass@1', 'pass@n', 'strict pass@n'] },
};
