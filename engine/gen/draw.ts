// Draws one accepted problem the way GSM-Infinite's generator does under the study's call
// (GSM_INFINITE_SAMPLING.md): whole attempts are drawn with the budget s = (S(op) + 1) / 2 and
// thrown away unless every rule holds and their op count is exactly the requested op. Attempts stop
// as soon as one rule fails; the rules are a conjunction over independent attempts, so checking
// them in any order keeps the accepted distribution the same.
import { drawDistractors } from './distractors';
import { get, set } from './mem';
import { ORDER, core, coreDegrees, coreItems, drawCore, drawInputs, drawOrder, nCore } from './necessary';
import { range, seedStream, uniform } from './rng';
import {
  CONST_KIND, CONST_PLUS, CONST_TIMES, CONST_VAL, IS_AGG, IS_DIFF, MAX_VALUE, N_DEPS, VALUE, dep, drawNames,
  drawRelation, drawStructure, zeroAllowed,
} from './world';

export const MIN_OP = 2;
export const MAX_OP = 30;
const MAX_ATTEMPTS = 20000000;
const IP_MAX = 20;

export const LIN_A = memory.data(32 * 4); // reverse mode: each core node as a*x + b
export const LIN_B = memory.data(32 * 4);
const WIDTH_CDF = memory.data(5 * 8);

/** The node asked about, and the unknown x of reverse mode (-1 in forward mode). */
export let target = -1;
export let unknown = -1;

/**
 * The study's strictline S(op) (SPEC §1). Past op 20, outside the study's range, S keeps the last
 * step's headroom of 10.
 */
export function opMax(op: i32): i32 {
  if (op <= 3) return 3;
  if (op == 4) return 4;
  if (op <= 6) return 6;
  if (op <= 9) return 10;
  if (op <= 11) return 15;
  if (op <= 15) return 20;
  if (op <= 18) return 25;
  if (op <= 20) return 30;
  return op + 10;
}

/** Draws problem `index` of `seed` for (op, template, mode) until an attempt is accepted. */
export function drawProblem(tpl: i32, seed: u64, index: u64, op: i32, reverse: bool): void {
  seedStream(seed, index, ((<u64>op) << 8) | ((<u64>tpl) << 1) | (reverse ? 1 : 0));
  const s = (opMax(op) + 1) >> 1; // strictline replaces the budget (§1.1)
  widthWeights(s);
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    if (!attempt(tpl, op, s, reverse)) continue;
    drawDistractors();
    return;
  }
  abort('generator: no problem with op ' + op.toString() + ' in ' + MAX_ATTEMPTS.toString() + ' attempts');
}

function attempt(tpl: i32, op: i32, s: i32, reverse: bool): bool {
  const n = max(range(1, s), range(1, s));
  const m = range(n, s);
  let t0 = width();
  let t1 = width();
  if (s <= 5) {
    // forward raises both widths to at least 2, reverse caps them at 3 (§1.3, §7.1)
    t0 = reverse ? min(t0, 3) : max(t0, 2);
    t1 = reverse ? min(t1, 3) : max(t1, 2);
  }
  const w0 = min(t0, t1);
  const w1 = max(t0, t1);
  const e = min(min(range(w0, IP_MAX), range(w0, IP_MAX)), w1 * w1);
  if (!drawStructure(tpl, w0, w1, e) || !drawCore(n, m) || !opReachable(op, s)) return false;
  if (!drawOrder(reverse) || !drawInputs(s, op) || !drawValues()) return false;
  target = get(ORDER, nCore - 1);
  unknown = -1;
  if (reverse && !pickUnknown()) return false;
  drawNames();
  return true;
}

/**
 * Whether the core can still end with op inputs: totals bring their degrees, every item takes at
 * least one input, the budget is spread in full, and each item ends with its share of the budget
 * or one more (GSM_INFINITE_SAMPLING.md §4.2); the first item in order has no backbone input.
 * Skipped for two-node cores, which the §3.2 patch may grow.
 */
function opReachable(op: i32, s: i32): bool {
  if (popcnt(core) == 2) return true;
  const d = coreDegrees;
  const items = coreItems;
  return op >= max(s, d + items) && op <= max(s, d + items - 1) + items;
}

/** Softmax of -(rel - c)^2, c = 0.1, 0.3, ..., 0.9, rel = (s - 1) / 19, as a CDF over widths 1..5. */
function widthWeights(s: i32): void {
  const rel = <f64>(s - 1) / <f64>(IP_MAX - 1);
  let total = 0.0;
  for (let t = 0; t < 5; t++) {
    const d = rel - (0.1 + 0.2 * <f64>t);
    total += Math.exp(-d * d);
    store<f64>(WIDTH_CDF + (<usize>t << 3), total);
  }
  for (let t = 0; t < 5; t++) store<f64>(WIDTH_CDF + (<usize>t << 3), load<f64>(WIDTH_CDF + (<usize>t << 3)) / total);
}

function width(): i32 {
  const x = uniform();
  for (let t = 0; t < 4; t++) if (x < load<f64>(WIDTH_CDF + (<usize>t << 3))) return t + 1;
  return 5;
}

/** Values in order (§5): false when one is negative, over 1000, or 0 where 0 is not allowed. */
function drawValues(): bool {
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    const k = get(N_DEPS, v);
    let val = 0;
    if (get(IS_AGG, v) != 0) for (let j = 0; j < k; j++) val += get(VALUE, dep(v, j));
    else {
      drawRelation(v);
      if (k == 0) val = get(CONST_VAL, v);
      else {
        if (get(IS_DIFF, v) != 0) val = get(VALUE, dep(v, 0)) - get(VALUE, dep(v, 1));
        else for (let j = 0; j < k; j++) val += get(VALUE, dep(v, j));
        const kind = get(CONST_KIND, v);
        if (kind == CONST_PLUS) val += get(CONST_VAL, v);
        else if (kind == CONST_TIMES) val *= get(CONST_VAL, v);
      }
    }
    if (val < 0 || val > MAX_VALUE || (val == 0 && !zeroAllowed(v))) return false;
    set(VALUE, v, val);
  }
  return true;
}

/**
 * Reverse mode (§7.3, §7.6): the unknown x is the last lone constant before the question; every core
 * node becomes a*x + b, and the attempt is kept only if the question's a is not 0.
 */
function pickUnknown(): bool {
  for (let i = nCore - 1; i >= 0; i--) {
    const v = get(ORDER, i);
    if (get(IS_AGG, v) == 0 && get(N_DEPS, v) == 0) {
      unknown = v;
      break;
    }
  }
  if (unknown < 0) return false;
  linearize(unknown);
  return get(LIN_A, target) != 0;
}

function linearize(u: i32): void {
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    let a = 0;
    let b = 0;
    const k = get(N_DEPS, v);
    if (v == u) a = 1;
    else if (k == 0) b = get(CONST_VAL, v);
    else if (get(IS_DIFF, v) != 0) {
      a = get(LIN_A, dep(v, 0)) - get(LIN_A, dep(v, 1));
      b = get(LIN_B, dep(v, 0)) - get(LIN_B, dep(v, 1));
    } else
      for (let j = 0; j < k; j++) {
        a += get(LIN_A, dep(v, j));
        b += get(LIN_B, dep(v, j));
      }
    const kind = get(CONST_KIND, v);
    if (kind == CONST_PLUS) b += get(CONST_VAL, v);
    if (kind == CONST_TIMES) {
      a *= get(CONST_VAL, v);
      b *= get(CONST_VAL, v);
    }
    set(LIN_A, v, a);
    set(LIN_B, v, b);
  }
}
