// The candidate problem world, one at a time: the structure graph (places x items, the linked
// pairs), every parameter's definition in the order it was drawn, its value and its ancestor set.
// Nodes 0..nPairs-1 are instance parameters (one per linked pair); node nPairs+p is the aggregate
// "total number of ... in place p", which depends on every pair of its place.
import { get, set } from './mem';
import { below, chance, range } from './rng';

export const SIDE = 5; // names per layer group in every template
export const MAX_NODES = 32; // 25 pairs + 5 aggregates: a node set fits one u32 mask
export const MAX_DEPS = 5; // an aggregate over 5 items; instance parameters use at most 4
export const MAX_VALUE = 1000;
const MAX_INSTANCE_DEPS = 4; // a constant counts as one; no genuine fact has more

export const CONST_NONE = 0;
export const CONST_PLUS = 1;
export const CONST_TIMES = 2;

export let placeGroup = 0;
export let itemGroup = 0;
export let nPlaces = 0;
export let nItems = 0;
export let nPairs = 0;
export let nOrder = 0; // nodes defined so far
export let nOpen = 0; // pairs not defined yet

export const PLACE_NAME = memory.data(SIDE * 4); // chosen names: indices into the template's group
export const ITEM_NAME = memory.data(SIDE * 4);
export const IS_AGG = memory.data(MAX_NODES * 4);
export const PLACE = memory.data(MAX_NODES * 4);
export const ITEM = memory.data(MAX_NODES * 4);
export const N_DEPS = memory.data(MAX_NODES * 4); // 0: a constant (leaf)
export const DEPS = memory.data(MAX_NODES * MAX_DEPS * 4); // row v holds v's dependencies
export const CONST_KIND = memory.data(MAX_NODES * 4);
export const CONST_VAL = memory.data(MAX_NODES * 4); // also a leaf's value
export const IS_DIFF = memory.data(MAX_NODES * 4);
export const VALUE = memory.data(MAX_NODES * 4);
export const COST = memory.data(MAX_NODES * 4); // own op count: in-edges, a constant counts one
export const ANC = memory.data(MAX_NODES * 4); // ancestor mask, self included
export const OPS = memory.data(MAX_NODES * 4); // op count of the ancestor set
export const PLACED = memory.data(MAX_NODES * 4);
export const ORDER = memory.data(MAX_NODES * 4); // definition order: a topological order
export const OPEN = memory.data(MAX_NODES * 4); // the pairs not defined yet
const OPEN_AT = memory.data(MAX_NODES * 4); // a pair's position in OPEN
const LEFT = memory.data(SIDE * 4); // per place: pairs not defined yet
const SUM = memory.data(SIDE * 4); // per place: sum of its defined pairs
const PAIR_AT = memory.data(SIDE * SIDE * 4); // place*SIDE+item -> node, or -1
const SCRATCH = memory.data(SIDE * SIDE * 4);

@inline
export function aggOf(p: i32): i32 {
  return nPairs + p;
}

@inline
export function dep(v: i32, j: i32): i32 {
  return get(DEPS, v * MAX_DEPS + j);
}

/** Draws the structure graph: 2-5 places and 2-5 items, every item and every place linked. */
export function drawStructure(placeGroups: i32, itemGroups: i32): void {
  placeGroup = below(placeGroups);
  itemGroup = below(itemGroups);
  nPlaces = range(2, SIDE);
  nItems = range(2, SIDE);
  pickNames(PLACE_NAME, nPlaces);
  pickNames(ITEM_NAME, nItems);
  for (let i = 0; i < SIDE * SIDE; i++) set(PAIR_AT, i, -1);
  for (let j = 0; j < nItems; j++) set(PAIR_AT, below(nPlaces) * SIDE + j, 0);
  for (let p = 0; p < nPlaces; p++) {
    let has = false;
    for (let j = 0; j < nItems; j++) has = has || get(PAIR_AT, p * SIDE + j) >= 0;
    if (!has) set(PAIR_AT, p * SIDE + below(nItems), 0);
  }
  // A few extra links, up to a third of the free cells, so fact counts stay near the study's.
  let free = 0;
  for (let p = 0; p < nPlaces; p++)
    for (let j = 0; j < nItems; j++) if (get(PAIR_AT, p * SIDE + j) < 0) set(SCRATCH, free++, p * SIDE + j);
  let extra = below(free / 3 + 1);
  while (extra-- > 0) {
    const k = below(free);
    set(PAIR_AT, get(SCRATCH, k), 0);
    set(SCRATCH, k, get(SCRATCH, --free));
  }
  let n = 0;
  for (let p = 0; p < nPlaces; p++) {
    set(LEFT, p, 0);
    set(SUM, p, 0);
    for (let j = 0; j < nItems; j++)
      if (get(PAIR_AT, p * SIDE + j) >= 0) {
        set(PAIR_AT, p * SIDE + j, n);
        initNode(n, 0, p, j);
        set(OPEN, n, n);
        set(OPEN_AT, n, n);
        set(LEFT, p, get(LEFT, p) + 1);
        n++;
      }
  }
  nPairs = n;
  nOpen = n;
  for (let p = 0; p < nPlaces; p++) {
    initNode(n, 1, p, -1);
    set(COST, n, get(LEFT, p));
    n++;
  }
  nOrder = 0;
}

function pickNames(out: usize, count: i32): void {
  for (let i = 0; i < SIDE; i++) set(SCRATCH, i, i);
  for (let i = 0; i < count; i++) {
    const k = i + below(SIDE - i);
    const t = get(SCRATCH, k);
    set(SCRATCH, k, get(SCRATCH, i));
    set(SCRATCH, i, t);
    set(out, i, t);
  }
}

function initNode(v: i32, agg: i32, p: i32, j: i32): void {
  set(IS_AGG, v, agg);
  set(PLACE, v, p);
  set(ITEM, v, j);
  set(N_DEPS, v, 0);
  set(CONST_KIND, v, CONST_NONE);
  set(CONST_VAL, v, 0);
  set(IS_DIFF, v, 0);
  set(PLACED, v, 0);
}

/** Pairs of place p not defined yet. */
@inline
export function pairsLeft(p: i32): i32 {
  return get(LEFT, p);
}

/** True when every pair of the place is defined and their sum stays in range. */
@inline
export function aggregateReady(p: i32): bool {
  return get(PLACED, aggOf(p)) == 0 && get(LEFT, p) == 0 && get(SUM, p) <= MAX_VALUE;
}

/** Defines the aggregate of place p over its pairs (in random order). */
export function placeAggregate(p: i32): void {
  const a = aggOf(p);
  const row = a * MAX_DEPS;
  let k = 0;
  for (let j = 0; j < nItems; j++) {
    const v = get(PAIR_AT, p * SIDE + j);
    if (v < 0) continue;
    const at = below(k + 1); // inside-out shuffle
    set(DEPS, row + k, get(DEPS, row + at));
    set(DEPS, row + at, v);
    k++;
  }
  set(N_DEPS, a, k);
  set(VALUE, a, get(SUM, p));
  append(a);
}

/**
 * Defines instance parameter v over the nodes defined so far: a constant, another quantity, a
 * constant plus/times one, a sum or difference of two, a sum of three or four, or a constant
 * plus/times a sum or difference: at most four dependencies, a constant counting as one. Its op
 * cost (its dependency count) stays within maxCost; forms whose values break the rules (negative,
 * over 1000, zero) are redrawn, and a constant is the last resort.
 */
export function defineInstance(v: i32, maxCost: i32): void {
  const row = v * MAX_DEPS;
  const limit = min(maxCost, MAX_INSTANCE_DEPS);
  for (let attempt = 0; attempt < 6 && nOrder > 0 && limit > 1; attempt++) {
    if (chance(0.3)) break;
    let k = 1;
    while (k < 4 && k < nOrder && chance(0.5)) k++;
    const kind = chance(0.5) ? CONST_NONE : chance(0.5) ? CONST_PLUS : CONST_TIMES;
    if (k + (kind == CONST_NONE ? 0 : 1) > limit) continue;
    const c = kind == CONST_TIMES ? range(2, 4) : range(1, 4);
    const diff = k == 2 && chance(0.5);
    drawDeps(row, k);
    let base = 0;
    if (diff) base = get(VALUE, get(DEPS, row)) - get(VALUE, get(DEPS, row + 1));
    else for (let j = 0; j < k; j++) base += get(VALUE, get(DEPS, row + j));
    const val = kind == CONST_PLUS ? c + base : kind == CONST_TIMES ? c * base : base;
    if (base < 0 || base > MAX_VALUE || val < 1 || val > MAX_VALUE) continue;
    set(N_DEPS, v, k);
    set(CONST_KIND, v, kind);
    set(CONST_VAL, v, c);
    set(IS_DIFF, v, i32(diff));
    set(VALUE, v, val);
    set(COST, v, k + (kind == CONST_NONE ? 0 : 1));
    append(v);
    return;
  }
  const c = range(1, 4);
  set(N_DEPS, v, 0);
  set(CONST_KIND, v, CONST_NONE);
  set(IS_DIFF, v, 0);
  set(CONST_VAL, v, c);
  set(VALUE, v, c);
  set(COST, v, 1);
  append(v);
}

/** k distinct dependencies among the defined nodes, the newest one first half of the time. */
function drawDeps(row: i32, k: i32): void {
  for (let j = 0; j < k; j++) {
    let d: i32;
    let fresh: bool;
    do {
      d = j == 0 && chance(0.5) ? get(ORDER, nOrder - 1) : get(ORDER, below(nOrder));
      fresh = true;
      for (let i = 0; i < j; i++) fresh = fresh && get(DEPS, row + i) != d;
    } while (!fresh);
    set(DEPS, row + j, d);
  }
}

function append(v: i32): void {
  set(PLACED, v, 1);
  set(ORDER, nOrder++, v);
  let mask: u32 = (<u32>1) << v;
  const k = get(N_DEPS, v);
  for (let j = 0; j < k; j++) mask |= <u32>get(ANC, dep(v, j));
  set(ANC, v, <i32>mask);
  let ops = 0;
  let m = mask;
  while (m != 0) {
    ops += get(COST, <i32>ctz(m));
    m &= m - 1;
  }
  set(OPS, v, ops);
  if (get(IS_AGG, v) == 0) {
    const p = get(PLACE, v);
    set(LEFT, p, get(LEFT, p) - 1);
    set(SUM, p, get(SUM, p) + get(VALUE, v));
    const at = get(OPEN_AT, v);
    const last = get(OPEN, --nOpen);
    set(OPEN, at, last);
    set(OPEN_AT, last, at);
  }
}
