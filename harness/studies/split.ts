// Finding 3 (SPEC §7): a fixed budget shared between mid-training and RL. From one base, the RL share
// β of the budget goes to GRPO at the edge (op 11-14) and the rest to mid-training (20% op 2-10 +
// 80% op 11-14) before it; β = 0 is mid-training alone, β = 1 RL alone. OOD-edge and OOD-hard
// pass@1 and pass@n of each. The study reports mid-training + RL beating RL alone on OOD (+10.8%),
// more mid-training favouring OOD-edge pass@1 and more RL favouring OOD-hard.
import type { RunSpec, ScaleName, StudyDef } from '../../ts/study/index.js';
import { mixtureAt, SCALES } from './scales.js';

const BETAS = [0, 0.2, 0.5, 0.8, 1];

/**
 * The whole budget as RL steps (β = 1) or mid-training tokens (β = 0). The study's is 100 steps of
 * 1024 prompts; one prompt counts as its group's 6 rollouts of ~512 tokens, so the same budget is
 * ~315M mid-training tokens. Below paper scale: the scale's RL prompts and rows, in the same ratio.
 */
const BUDGET: Record<ScaleName, { rlSteps: number; midtrainTokens: number }> = {
  tiny: { rlSteps: 5, midtrainTokens: 5 * 2 * 512 },
  mini: { rlSteps: 60, midtrainTokens: 60 * 32 * 6 * 256 },
  paper: { rlSteps: 100, midtrainTokens: 100 * 1024 * 6 * 512 },
};

export const split: StudyDef = {
  name: 'split',
  title: 'Mid-training against RL under a fixed budget',
  finding:
    'Under a fixed budget, mid-training + RL beats RL alone on OOD; more mid-training favours OOD-edge pass@1, ' +
    'more RL favours OOD-hard.',
  reported: [
    { claim: 'mid-training + RL vs RL alone (β = 1), OOD', value: '+10.8%' },
    { claim: 'low β (more mid-training)', value: 'best OOD-edge pass@1' },
    { claim: 'high β (more RL)', value: 'best OOD-hard' },
  ],
  scales: SCALES,
  runs(_scale, name) {
    const budget = BUDGET[name];
    const runs: RunSpec[] = [{ id: 'base', kind: 'pretrain', config: { mixture: mixtureAt('uniform', name) } }];
    for (const beta of BETAS) {
      const tag = `beta-${beta}`;
      let from = 'base';
      if (beta < 1) {
        const tokens = Math.round((1 - beta) * budget.midtrainTokens);
        runs.push({
          id: `mid-${tag}`,
          kind: 'midtrain',
          from: { init: from },
          config: { mixture: mixtureAt('midtrain', name), tokens },
        });
        from = `mid-${tag}`;
      }
      if (beta > 0) {
        const max_steps = Math.max(1, Math.round(beta * budget.rlSteps));
        runs.push({ id: `rl-${tag}`, kind: 'rl', from: { init: from }, config: { ops: [11, 14], max_steps } });
        from = `rl-${tag}`;
      }
      runs.push({
        id: `eval-${tag}`,
        kind: 'eval',
        from: { checkpoint: from },
        label: { row: `β ${beta}`, x: `${beta}` },
      });
    }
    return runs;
  },
  report: { groups: ['OOD-edge', 'OOD-hard'], metrics: ['pass@1', 'pass@n'], x: 'β (RL share of the budget)' },
};
