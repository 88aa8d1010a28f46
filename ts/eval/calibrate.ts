// Calibration: where is a checkpoint's edge of competence? From per-op pass@1 and pass@k (k = the
// largest evaluated, n), the ops that the model rarely solves on one try but does solve sometimes
// are the ones RL can still lift (SPEC §7, finding 1). The proposed RL op range is chosen from them.
import type { Aggregates } from './aggregate.js';

export interface CalibrationRule {
  /** An op qualifies when pass@1 < max_pass1 ... */
  max_pass1: number;
  /** ... and pass@kMax > min_passk (at least one of the n samples is right somewhere). */
  min_passk: number;
  /** Widest range proposed, in ops (the study's RL ranges span 4 ops). */
  max_width: number;
  /** Which correctness decides: the answer only, or process-verified. */
  metric: 'outcome' | 'process';
}

export const DEFAULT_RULE: CalibrationRule = { max_pass1: 0.5, min_passk: 0, max_width: 4, metric: 'outcome' };

export interface OpCompetence {
  op: number;
  pass1: number;
  passK: number;
  qualifies: boolean;
}

export interface Calibration {
  rule: CalibrationRule;
  k: number;
  ops: OpCompetence[];
  /** The proposed RL ops, inclusive; null when no op qualifies. */
  range: { from: number; to: number } | null;
  /** One sentence saying why this range (or none). */
  reason: string;
}

/**
 * The rule: an op qualifies when pass@1 < max_pass1 and pass@k > min_passk. Among the runs of
 * consecutive evaluated ops that qualify, the longest is taken (the lowest on a tie: closest to
 * what the model can already do), and its first max_width ops are proposed.
 */
export function proposeRange(agg: Aggregates, k: number, rule: CalibrationRule = DEFAULT_RULE): Calibration {
  if (!(rule.max_width >= 1)) throw new Error(`calibration: max_width must be >= 1, got ${rule.max_width}`);
  const key = rule.metric === 'process' ? 'passProcess' : 'passOutcome';
  const ops: OpCompetence[] = Object.entries(agg.ops)
    .map(([op, g]) => {
      const pass1 = g[key]['1'],
        passK = g[key][String(k)];
      if (pass1 === undefined || passK === undefined)
        throw new Error(`calibration: op ${op} has no pass@1 or pass@${k}`);
      return { op: Number(op), pass1, passK, qualifies: pass1 < rule.max_pass1 && passK > rule.min_passk };
    })
    .sort((a, b) => a.op - b.op);
  let best: OpCompetence[] = [];
  let run: OpCompetence[] = [];
  for (const [i, o] of ops.entries()) {
    // A gap in the evaluated ops breaks a run.
    if (!o.qualifies || (run.length && ops[i - 1].op !== o.op - 1)) run = [];
    if (o.qualifies) run.push(o);
    if (run.length > best.length) best = [...run];
  }
  const chosen = best.slice(0, rule.max_width);
  if (!chosen.length) {
    const allEasy = ops.every((o) => o.pass1 >= rule.max_pass1);
    const reason = allEasy
      ? `every evaluated op has pass@1 >= ${rule.max_pass1}: evaluate harder ops`
      : `no evaluated op has pass@1 < ${rule.max_pass1} with pass@${k} > ${rule.min_passk}: the ops the model does not master are out of its reach; evaluate the ops just above those it masters, or draw more samples`;
    return { rule, k, ops, range: null, reason };
  }
  const range = { from: chosen[0].op, to: chosen[chosen.length - 1].op };
  const reason =
    `ops ${range.from}-${range.to}: the ${best.length > chosen.length ? `first ${chosen.length} of the ` : ''}longest run of consecutive ops ` +
    `with ${rule.metric} pass@1 < ${rule.max_pass1} and pass@${k} > ${rule.min_passk}`;
  return { rule, k, ops, range, reason };
}
