// Draws one accepted problem world: the structure graph, the necessary DAG under the op budget,
// the question, the distractors and (reverse mode) the unknown. Candidates are redrawn until the
// question's ancestor set counts exactly the requested op and every value meets the rules.
import { get, set } from './mem';
import { below, chance, seedStream } from './rng';
import {
  ANC, CONST_KIND, CONST_PLUS, CONST_TIMES, CONST_VAL, COST, IS_AGG, IS_DIFF, N_DEPS, OPEN, OPS, ORDER, PLACE,
  aggOf, aggregateReady, defineInstance, dep, drawStructure, nOpen, nOrder, nPlaces, pairsLeft, placeAggregate,
} from './world';

export const MIN_OP = 2;
export const MAX_OP = 30;
const MAX_CANDIDATES = 1000000;

export const LIN_A = memory.data(32 * 4); // reverse mode: each ancestor of the target as a*x + b
export const LIN_B = memory.data(32 * 4);
const CANDS = memory.data(32 * 4);

/** The node asked about, and the unknown x of reverse mode (-1 in forward mode). */
export let target = -1;
export let unknown = -1;

/**
 * The op budget (op_max) the study gave its generator for a requested op (SPEC §1). Past op 20,
 * outside the study's range, the budget keeps the last step's headroom of 10.
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

/** Draws problem `index` of `seed` for (op, template, mode) until a candidate meets every rule. */
export function drawProblem(placeGroups: i32, itemGroups: i32, seed: u64, index: u64, op: i32, template: i32, reverse: bool): void {
  seedStream(seed, index, ((<u64>op) << 8) | ((<u64>template) << 1) | (reverse ? 1 : 0));
  for (let i = 0; i < MAX_CANDIDATES; i++) {
    drawStructure(placeGroups, itemGroups);
    drawNecessary(opMax(op));
    if (!pickTarget(op)) continue;
    drawDistractors();
    unknown = -1;
    if (reverse && !pickUnknown()) continue;
    return;
  }
  abort('generator: no problem met the rules for op ' + op.toString());
}

/**
 * Defines parameters while their op total stays within the budget: pairs (half of the time from
 * the place closest to complete, so aggregates become available) and, once all of a place's pairs
 * are defined, its aggregate.
 */
function drawNecessary(budget: i32): void {
  let spent = 0;
  while (spent < budget) {
    const left = budget - spent;
    let na = 0;
    for (let p = 0; p < nPlaces; p++) if (aggregateReady(p) && get(COST, aggOf(p)) <= left) set(CANDS, na++, p);
    if (na > 0 && (nOpen == 0 || chance(0.7))) {
      const p = get(CANDS, below(na));
      placeAggregate(p);
      spent += get(COST, aggOf(p));
    } else if (nOpen > 0) {
      const v = chance(0.5) ? pairOfFullestPlace() : get(OPEN, below(nOpen));
      defineInstance(v, left);
      spent += get(COST, v);
    } else break;
  }
}

/** An open pair of the place with the fewest open pairs. */
function pairOfFullestPlace(): i32 {
  let best = -1;
  for (let i = 0; i < nOpen; i++) {
    const v = get(OPEN, i);
    if (best < 0 || pairsLeft(get(PLACE, v)) < pairsLeft(get(PLACE, best))) best = v;
  }
  return best;
}

/**
 * Asks about a node whose ancestors count exactly op. The study's questions are mostly totals
 * (about 9 in 10 of its samples), so an aggregate is preferred, and a candidate that only offers
 * instance parameters is redrawn three times out of four.
 */
function pickTarget(op: i32): bool {
  let nAgg = 0;
  let nInst = 0;
  for (let i = 0; i < nOrder; i++) {
    const v = get(ORDER, i);
    if (get(OPS, v) != op) continue;
    if (get(IS_AGG, v) != 0) set(CANDS, nAgg++, v);
    else set(CANDS, 31 - nInst++, v);
  }
  if (nAgg + nInst == 0 || (nAgg == 0 && chance(0.75))) return false;
  if (nAgg > 0 && (nInst == 0 || chance(0.9))) target = get(CANDS, below(nAgg));
  else target = get(CANDS, 31 - below(nInst));
  return true;
}

/** Every pair not yet defined becomes a fact with 1-4 dependencies on anything defined. */
function drawDistractors(): void {
  placeReadyAggregates();
  while (nOpen > 0) {
    defineInstance(get(OPEN, below(nOpen)), 4);
    placeReadyAggregates();
  }
}

function placeReadyAggregates(): void {
  for (let p = 0; p < nPlaces; p++) if (aggregateReady(p)) placeAggregate(p);
}

/**
 * Reverse mode: one constant among the question's ancestors becomes the unknown x. Every
 * ancestor becomes a linear function a*x + b; the target's a must be positive to solve for x.
 */
function pickUnknown(): bool {
  const inSet = <u32>get(ANC, target);
  let n = 0;
  for (let i = 0; i < nOrder; i++) {
    const v = get(ORDER, i);
    if (((inSet >> v) & 1) != 0 && get(IS_AGG, v) == 0 && get(N_DEPS, v) == 0) set(CANDS, n++, v);
  }
  while (n > 0) {
    const k = below(n);
    const u = get(CANDS, k);
    set(CANDS, k, get(CANDS, --n));
    linearize(u, inSet);
    if (get(LIN_A, target) > 0) {
      unknown = u;
      return true;
    }
  }
  return false;
}

function linearize(u: i32, inSet: u32): void {
  for (let i = 0; i < nOrder; i++) {
    const v = get(ORDER, i);
    if (((inSet >> v) & 1) == 0) continue;
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
    if (k > 0 && get(IS_AGG, v) == 0) {
      const kind = get(CONST_KIND, v);
      const c = get(CONST_VAL, v);
      if (kind == CONST_PLUS) b += c;
      if (kind == CONST_TIMES) {
        a *= c;
        b *= c;
      }
    }
    set(LIN_A, v, a);
    set(LIN_B, v, b);
  }
}
