// The candidate problem world, one at a time (GSM_INFINITE_SAMPLING.md §2): the structure graph
// (containers x item types, e linked pairs) and every parameter's definition. Nodes 0..nPairs-1 are
// the items (one per linked pair, container by container); node nPairs+p is the total "total number
// of ... in container p", the sum of all of p's items. Inputs of a node are its named operands in
// stored order; an item's constant (the RNG input) is a flag beside them.
import { get, set } from './mem';
import { below, chance, range, uniform } from './rng';
import { TEMPLATES } from './templates';

export const SIDE = 5; // names per layer group in every template, and the widest layer
export const MAX_NODES = 32; // 25 items + 5 totals: a node set fits one u32 mask
export const MAX_DEPS = 5; // a total over 5 items; an item has at most 4 inputs, a constant counting one
export const MAX_VALUE = 1000;

export const CONST_NONE = 0;
export const CONST_PLUS = 1;
export const CONST_TIMES = 2;

export let template = 0;
export let placeGroup = 0;
export let itemGroup = 0;
export let nPlaces = 0;
export let nItems = 0;
export let nPairs = 0;
let named = false;

export const PLACE_NAME = memory.data(SIDE * 4); // chosen names: indices into the template's group
export const ITEM_NAME = memory.data(SIDE * 4);
export const IS_AGG = memory.data(MAX_NODES * 4);
export const PLACE = memory.data(MAX_NODES * 4);
export const ITEM = memory.data(MAX_NODES * 4);
export const N_DEPS = memory.data(MAX_NODES * 4); // named operands; 0 with no constant: a plain number
export const DEPS = memory.data(MAX_NODES * MAX_DEPS * 4); // row v holds v's named operands
export const HAS_CONST = memory.data(MAX_NODES * 4); // the constant (RNG) is one of v's inputs
export const CONST_KIND = memory.data(MAX_NODES * 4); // plus or times, for a constant beside operands
export const CONST_VAL = memory.data(MAX_NODES * 4); // also a lone constant's value
export const IS_DIFF = memory.data(MAX_NODES * 4);
export const VALUE = memory.data(MAX_NODES * 4);
export const IN_MASK = memory.data(MAX_NODES * 4); // named operands as a node set
const ADJ = memory.data(SIDE * 4); // per container: its linked types as a bit set
const SCRATCH = memory.data(SIDE * 4);

/** The node set {v}. */
@inline
export function bit(v: i32): u32 {
  return (<u32>1) << v;
}

/** All items (nodes 0..nPairs-1) as a node set. */
@inline
export function allItems(): u32 {
  return bit(nPairs) - 1;
}

@inline
export function aggOf(p: i32): i32 {
  return nPairs + p;
}

@inline
export function dep(v: i32, j: i32): i32 {
  return get(DEPS, v * MAX_DEPS + j);
}

/** Appends u to v's named operands (a repeated operand adds nothing, as in the genuine graph). */
export function addInput(v: i32, u: i32): void {
  const m = <u32>get(IN_MASK, v);
  if ((m & bit(u)) != 0) return;
  set(IN_MASK, v, <i32>(m | bit(u)));
  const k = get(N_DEPS, v);
  set(DEPS, v * MAX_DEPS + k, u);
  set(N_DEPS, v, k + 1);
}

/** Items of container p as a node set. */
export function itemsOf(p: i32): u32 {
  return <u32>get(IN_MASK, aggOf(p));
}

/**
 * Draws the structure graph for widths w0 <= w1 and e linked pairs (§2.1-2.3). Returns false when
 * the genuine procedure fails (too many edge tries, or a container left without items).
 */
export function drawStructure(tpl: i32, w0: i32, w1: i32, e: i32): bool {
  let l0 = w0;
  let l1 = w0;
  const p = uniform();
  while (l0 != w1 || l1 != w1) {
    if (l0 * l1 >= e) {
      if (l1 == e || uniform() >= p) break;
    }
    // raise a uniformly chosen layer that is still below w1
    if (l0 < w1 && (l1 >= w1 || chance(0.5))) l0++;
    else l1++;
  }
  for (let c = 0; c < l0; c++) set(ADJ, c, 0);
  let linked: u32 = 0; // containers with an item
  for (let j = 0; j < l1; j++) {
    const c = below(l0);
    set(ADJ, c, get(ADJ, c) | (1 << j));
    linked |= bit(c);
  }
  const all = bit(l0) - 1;
  let edges = l1;
  let tries = 0;
  while (edges < e) {
    if (++tries > 10 * e) return false;
    // the container end: one still without items if any, else any
    const bare = all & ~linked;
    const c = bare != 0 ? nthBit(bare, below(<i32>popcnt(bare))) : below(l0);
    const j = 1 << below(l1);
    if ((get(ADJ, c) & j) != 0) continue;
    set(ADJ, c, get(ADJ, c) | j);
    linked |= bit(c);
    edges++;
  }
  if (linked != all) return false;
  template = tpl;
  named = false;
  nPlaces = l0;
  nItems = l1;
  let n = 0;
  for (let c = 0; c < l0; c++) {
    let types = get(ADJ, c);
    while (types != 0) {
      initNode(n++, 0, c, ctz(types));
      types &= types - 1;
    }
  }
  nPairs = n;
  for (let c = 0; c < l0; c++) initNode(n++, 1, c, -1);
  for (let v = 0; v < nPairs; v++) addInput(aggOf(get(PLACE, v)), v);
  return true;
}

/** The k-th (0-based) member of a set, in ascending order. */
export function nthBit(m: u32, k: i32): i32 {
  for (let i = 0; i < k; i++) m &= m - 1;
  return <i32>ctz(m);
}

/**
 * Draws the names (§2.3) the first time they are needed: most attempts are thrown away before
 * anything looks at a name, and names are drawn independently of everything else.
 */
export function drawNames(): void {
  if (named) return;
  named = true;
  const t = TEMPLATES[template];
  placeGroup = below(t.places.length);
  itemGroup = below(t.items.length);
  pickNames(PLACE_NAME, nPlaces);
  pickNames(ITEM_NAME, nItems);
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

/** Resets node v; an item's relation fields are set by drawRelation or setPlainNumber before use. */
function initNode(v: i32, agg: i32, p: i32, j: i32): void {
  set(IS_AGG, v, agg);
  set(PLACE, v, p);
  set(ITEM, v, j);
  set(N_DEPS, v, 0);
  set(IN_MASK, v, 0);
  set(HAS_CONST, v, 0);
  if (agg != 0) {
    set(CONST_KIND, v, CONST_NONE);
    set(IS_DIFF, v, 0);
  }
}

/**
 * Draws the relation and constants of item v from its inputs (§5.1): with named operands, a sum
 * (or, for two, a difference half of the time) then "plus c" (c in 1..4) or "times c" (c in 2..4);
 * a lone constant is 1..4 or 2..4, half of the time each.
 */
export function drawRelation(v: i32): void {
  const times = chance(0.5);
  const c = times ? range(2, 4) : range(1, 4);
  set(CONST_VAL, v, c);
  const k = get(N_DEPS, v);
  set(IS_DIFF, v, i32(k == 2 && chance(0.5)));
  set(CONST_KIND, v, k > 0 && get(HAS_CONST, v) != 0 ? (times ? CONST_TIMES : CONST_PLUS) : CONST_NONE);
}

/** An input-less item pulled in with a distractor's total: "equals v", v in 1..4. */
export function setPlainNumber(v: i32): void {
  set(N_DEPS, v, 0);
  set(IN_MASK, v, 0);
  set(HAS_CONST, v, 0);
  set(CONST_KIND, v, CONST_NONE);
  set(IS_DIFF, v, 0);
  set(CONST_VAL, v, range(1, 4));
}

/**
 * Whether v may be 0 (§5.3): the genuine check allows 0 when the name contains "total", "average"
 * or "all" (so every item of Cedar Valley may be 0).
 */
export function zeroAllowed(v: i32): bool {
  if (get(IS_AGG, v) != 0) return true;
  drawNames();
  const t = TEMPLATES[template];
  const place = t.places[placeGroup][get(PLACE_NAME, get(PLACE, v))];
  const item = t.items[itemGroup][get(ITEM_NAME, get(ITEM, v))];
  return place.includes('all') || item.includes('all') || item.includes('average');
}
