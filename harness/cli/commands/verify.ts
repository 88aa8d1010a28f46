// `verify`: judges model outputs against gold solutions. Reads JSON lines with `solution` (the
// gold solution text), `output` (the text to judge) and optionally `answer`, `problem`,
// `question`, `id`; writes one verdict per row (SPEC §5 rewards, and each step's check).
import { emit, readJsonl } from '../../../ts/util/jsonl.js';
import { loadVerifier, REWARD_PRESETS, type GoldSolution, type RewardPreset } from '../../../ts/data/verifier.js';
import type { Command } from './types.js';

export const verify: Command = {
  summary:
    'judge outputs against gold solutions: JSON lines {solution, output[, answer, id]} on stdin, one verdict each ' +
    `[--reward ${Object.keys(REWARD_PRESETS).join('|')}] [--scores-only]`,
  async run(args) {
    const preset = args.str('reward', 'process80');
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
