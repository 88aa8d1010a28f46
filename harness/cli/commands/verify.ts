// `verify`: judges model outputs against gold solutions. Reads JSON lines with `solution` (the
// gold solution text), `output` (the text to judge) and optionally `answer` (the gold answer, else
// the solution's "Answer: N.") and `id` (copied to the verdict); other fields are ignored. Writes
// one verdict per row: SPEC §5 rewards, and each step's check unless --scores-only.
import { emit, readJsonl } from '../../../ts/io/stdio.js';
import { loadVerifier, REWARD_PRESETS, type GoldSolution, type RewardPreset } from '../../../ts/data/verifier.js';
import type { Command } from '../options.js';

const DEFAULT_PRESET: RewardPreset = 'process80';

export const verify: Command = {
  summary:
    'judge outputs against gold solutions: JSON lines {solution, output[, answer][, id]} on stdin (other fields ' +
    'ignored), one verdict per row in order, carrying its id',
  options: {
    reward: {
      type: 'string',
      choices: Object.keys(REWARD_PRESETS),
      default: DEFAULT_PRESET,
      help: 'the reward preset',
    },
    'scores-only': { type: 'boolean', help: 'rewards and counts, no per-step checks' },
  },
  async run(args) {
    const preset = args.str('reward');
    const scoresOnly = args.flag('scores-only');
    const cfg = REWARD_PRESETS[preset as RewardPreset];
    const v = await loadVerifier();
    for await (const row of readJsonl(process.stdin)) {
      const r = (typeof row === 'object' && row !== null ? row : {}) as Partial<GoldSolution> & {
        output?: unknown;
        id?: unknown;
      };
      const gold = { solution: r.solution as string, answer: r.answer };
      const verdict = scoresOnly ? v.score(gold, r.output as string, cfg) : v.verify(gold, r.output as string, cfg);
      await emit(r.id === undefined ? verdict : { id: r.id, ...verdict });
    }
  },
};
