// Finding 4 (SPEC §7): process-aware rewards. GRPO from one base at the edge (op 11-14) with the
// outcome reward, the two process-weighted ones (0.2/0.8 and 0.5/0.5) and the strict one (SPEC §5);
// pass@1 (answer, and process-verified) and the rate of right answers reached by a wrong process.
import type { RunSpec, StudyDef } from '../../ts/study/index.js';
import { mixtureAt, SCALES } from './scales.js';

const REWARDS = ['outcome', 'process80', 'process50', 'strict'];

export const processRewards: StudyDef = {
  name: 'process',
  title: 'Process-aware rewards against reward hacking',
  finding:
    'Process-aware rewards reduce reward hacking (right answer, wrong reasoning) and add ~4-5% pass@1 on the hardest settings.',
  reported: [
    { claim: 'process-aware vs outcome reward, pass@1 on the hardest settings', value: '+4-5%' },
    { claim: 'right answer with a wrong process', value: 'lower with process rewards' },
  ],
  scales: SCALES,
  runs(_scale, name) {
    const runs: RunSpec[] = [
      { id: 'base', kind: 'pretrain', config: { mixture: mixtureAt('uniform', name) } },
      { id: 'eval-base', kind: 'eval', from: { checkpoint: 'base' }, label: { row: 'base' } },
    ];
    for (const reward of REWARDS) {
      runs.push(
        { id: `rl-${reward}`, kind: 'rl', from: { init: 'base' }, config: { ops: [11, 14], reward } },
        { id: `eval-rl-${reward}`, kind: 'eval', from: { checkpoint: `rl-${reward}` }, label: { row: `RL ${reward}` } },
      );
    }
    return runs;
  },
  report: {
    groups: ['ID', 'OOD-edge', 'OOD-hard'],
    metrics: ['pass@1', 'strict pass@1', 'hacking'],
  },
};
