// `verify`: judges model outputs against gold solutions. Reads JSON lines with `solution` (the
// gold solution text), `output` (the text to judge) and optionally `answer` (the gold answer, else
// the solution's "Answer: N.") and `id` (copied to the verdict); other fields are ignored. Writes
// one verdict per row: SPEC §5 rewards, and each step's check unless --scores-only.
import { emit, readJsonl } from '../../../ts/io/stdio.js';
import { loadVerifier, REWARD_PRESETS, type GoldSolution, type RewardPreset } from '../../../ts/data/verifier.js';
import type { Command } from './types.js';

const DEFAULT_PRESET: RewardPreset = 'process80';

export const verify: Command = {
  summary:
    'judge outputs against gold solutions: JSON lines {solution, output[, answer][, id]} on stdin (other fields ' +
    'ignored), one verdict per row in order, carrying its id ' +
    `[--reward ${[DEFAULT_PRESET, ...Object.keys(REWARD_PRESETS).filter((p) => p !== DEFAULT_PRESET)].join('|')}] ` +
    '[--scores-only (rewards and counts, no per-step checks)]',
  async run(args) {
    const preset = args.str('reward', DEFAULT_PRESET);
    const scoresOnly = args.has('scores-only');
    args.checkAllUsed();
    if (!(preset in REWARD_PRESETS)) {
      throw new Error(`--reward must be one of ${Object.keys(REWARD_PRESETS).join(', ')}, got '${preset}'`);
    }
    const cfg = REWARD_PRESETS[preset as RewardPreset];
    const v = await loadVerifier();
    for await (const row of readJsonl(process.stdin)) {
      const r = (typeof row === 'object' && row !== null ? row : {}) as Partial<GoldSolution> & { output?: unknown; id?: unknown };
      const gold = { solution: r.solution as string, answer: r.answer };
      const verdict = scoresOnly ? v.score(gold, r.output as string, cfg) : v.verify(gold, r.output as string, cfg);
      await emit(r.id === undefined ? verdict : { id: r.id, ...verdict });
    }
  },
};
