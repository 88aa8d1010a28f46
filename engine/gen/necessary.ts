// The necessary graph (GSM_INFINITE_SAMPLING.md §3.1-3.3): which parameters the solution needs,
// their order (the question last) and every input of each, drawn as the genuine generator draws
// them under the budget s. Each function returns false where the genuine attempt fails.
import { get, set } from './mem';
import { below, chance, gauss, uniform } from './rng';
import {
  HAS_CONST, IS_AGG, MAX_NODES, N_DEPS, addInput, aggOf, allItems, bit, itemsOf, nPlaces, nthBit,
} from './world';

export const ORDER = memory.data(MAX_NODES * 4); // the solution's order; the question is last
export let nCore = 0;
export let core: u32 = 0; // the necessary parameters as a node set
export let coreDegrees = 0; // D: the items of the core totals
export let coreItems = 0; // the core's items, extras included
export let firstTotal = -1; // the first total accepted (reverse mode asks about it)
export let rejectedPlace = -1; // the container whose total ended §3.1 (never offered to distractors)
const OUT = memory.data(MAX_NODES * 4); // per core node: the core nodes it feeds
const BACK = memory.data(MAX_NODES * 4); // an item's backbone input from §3.2, or -1
const CUR = memory.data(MAX_NODES * 4);
const WEIGHT = memory.data(MAX_NODES * 8);
const PICK = memory.data(MAX_NODES * 4);

/** A uniform node of a non-empty set. */
@inline
export function anyNode(m: u32): i32 {
  return nthBit(m, below(<i32>popcnt(m)));
}

/**
 * §3.1: totals in random order while their degrees sum to at most n (all their items come along),
 * then max(0, m - D - 1) extra items while any are left.
 */
export function drawCore(n: i32, m: i32): bool {
  core = 0;
  firstTotal = -1;
  rejectedPlace = -1;
  let left = bit(nPlaces) - 1;
  let d = 0;
  while (left != 0) {
    const p = anyNode(left);
    left &= ~bit(p);
    const items = itemsOf(p);
    const deg = <i32>popcnt(items);
    if (d + deg > n) {
      rejectedPlace = p;
      break;
    }
    d += deg;
    core |= items | bit(aggOf(p));
    if (firstTotal < 0) firstTotal = aggOf(p);
  }
  for (let x = m - d - 1; x > 0; x--) {
    const free = allItems() & ~core;
    if (free == 0) break;
    core |= bit(anyNode(free));
  }
  coreDegrees = d;
  coreItems = <i32>popcnt(core & allItems());
  return core != 0;
}

/**
 * §3.2: the order, built from the question backwards, with at most one backbone input per item.
 * Forward mode asks about a uniform sink (a total or an extra); reverse mode about the first total.
 */
export function drawOrder(reverse: bool): bool {
  let m = core;
  while (m != 0) {
    const v = <i32>ctz(m);
    m &= m - 1;
    set(OUT, v, 0);
    set(BACK, v, -1);
  }
  for (let p = 0; p < nPlaces; p++) {
    const t = aggOf(p);
    if ((core & bit(t)) == 0) continue;
    let items = itemsOf(p);
    while (items != 0) {
      set(OUT, <i32>ctz(items), <i32>bit(t));
      items &= items - 1;
    }
  }
  let rest = core;
  let placed: u32 = 0;
  let v = reverse && firstTotal >= 0 ? firstTotal : anyNode(sinks(rest));
  nCore = 0;
  while (true) {
    rest &= ~bit(v);
    placed |= bit(v);
    set(ORDER, nCore++, v);
    if (rest == 0) break;
    let a: u32 = 0;
    let b: u32 = 0;
    let r = rest;
    while (r != 0) {
      const u = <i32>ctz(r);
      r &= r - 1;
      const out = <u32>get(OUT, u);
      if ((out & placed) != 0) a |= bit(u);
      if ((out & rest) == 0) b |= bit(u);
    }
    let u = -1;
    if ((a & b) == 0) {
      if (get(IS_AGG, v) != 0) return false;
      u = biased(b, a);
    } else if (get(IS_AGG, v) == 0 && chance(0.5)) u = biased(rest, a);
    if (u >= 0) {
      set(OUT, u, get(OUT, u) | <i32>bit(v));
      set(BACK, v, u);
      a |= bit(u);
    }
    v = anyNode(a & b);
  }
  // ORDER was filled question first: reverse it
  for (let i = 0, j = nCore - 1; i < j; i++, j--) {
    const t = get(ORDER, i);
    set(ORDER, i, get(ORDER, j));
    set(ORDER, j, t);
  }
  if (nCore == 2 && chance(0.5)) patchPair();
  return true;
}

/** Core nodes that feed no other core node. */
function sinks(rest: u32): u32 {
  let s: u32 = 0;
  let r = rest;
  while (r != 0) {
    const u = <i32>ctz(r);
    r &= r - 1;
    if ((<u32>get(OUT, u) & rest) == 0) s |= bit(u);
  }
  return s;
}

/** One draw weighted by exp(k*|g|), g ~ N(0, 1) per candidate, k = [a total] + [in a]. */
function biased(candidates: u32, a: u32): i32 {
  let total = 0.0;
  let n = 0;
  let r = candidates;
  while (r != 0) {
    const u = <i32>ctz(r);
    r &= r - 1;
    const k = get(IS_AGG, u) + i32((a & bit(u)) != 0);
    const w = k == 0 ? 1.0 : Math.exp(<f64>k * Math.abs(gauss())); // k = 0 needs no draw: the weight is 1
    store<f64>(WEIGHT + (<usize>n << 3), w);
    set(PICK, n++, u);
    total += w;
  }
  let x = uniform() * total;
  for (let i = 0; i < n - 1; i++) {
    x -= load<f64>(WEIGHT + (<usize>i << 3));
    if (x < 0) return get(PICK, i);
  }
  return get(PICK, n - 1);
}

/**
 * The genuine "len(topo) == 2" patch: one more item (the first one outside the core), either put
 * first feeding the old first node or put last, fed by the old last node, becoming the question.
 */
function patchPair(): void {
  const free = (allItems()) & ~core;
  if (free == 0) return;
  const w = <i32>ctz(free);
  core |= bit(w);
  set(OUT, w, 0);
  set(BACK, w, -1);
  if (chance(0.5)) {
    const first = get(ORDER, 0);
    set(BACK, first, w);
    set(ORDER, 2, get(ORDER, 1));
    set(ORDER, 1, first);
    set(ORDER, 0, w);
  } else {
    set(BACK, w, get(ORDER, 1));
    set(ORDER, 2, w);
  }
  nCore = 3;
}

/**
 * §3.3: spreads the budget s over the items (cap by position 1, 1, 2, 3, 3, ...), then draws every
 * item's inputs from the constant and the nodes before it. True when the op count (inputs of all
 * core nodes, a constant counting one) is op; false as soon as it cannot be or the budget finds
 * no item to take it.
 */
export function drawInputs(s: i32, op: i32): bool {
  let sum = 0;
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    const c = get(IS_AGG, v) != 0 ? get(N_DEPS, v) : i32(get(BACK, v) >= 0);
    set(CUR, v, c);
    sum += c;
  }
  // the items that can take more, by position (kept in order, so the draw is the same as
  // listing them afresh each time)
  let n = 0;
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    if (get(IS_AGG, v) == 0 && get(CUR, v) < cap(i)) set(PICK, n++, i);
  }
  while (sum < s) {
    if (n == 0) return false;
    const k = below(n);
    const i = get(PICK, k);
    const v = get(ORDER, i);
    const c = get(CUR, v) + 1;
    set(CUR, v, c);
    sum++;
    if (c == cap(i)) {
      n--;
      for (let j = k; j < n; j++) set(PICK, j, get(PICK, j + 1));
    }
  }
  // Each item ends with cur or cur + 1 inputs; cur + 1 exactly when cur is 0, cur exactly at
  // position 0 (there the only input is the constant).
  let lo = sum;
  let hi = sum;
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    if (get(IS_AGG, v) != 0) continue;
    const c = get(CUR, v);
    if (i == 0) {
      lo += 1 - c;
      hi += 1 - c;
    } else {
      if (c == 0) lo++;
      hi++;
    }
  }
  if (op < lo || op > hi) return false;
  let ops = 0;
  for (let i = 0; i < nCore; i++) {
    const v = get(ORDER, i);
    if (get(IS_AGG, v) == 0) itemInputs(v, i);
    ops += get(N_DEPS, v) + get(HAS_CONST, v);
  }
  return ops == op;
}

/** How much of the budget the item at position i can take: 1, 1, 2, 3, 3, ... */
@inline
function cap(i: i32): i32 {
  return min(3, max(1, i));
}

/** The inputs of the item at position i (the genuine pool quirk included: see §3.3). */
function itemInputs(v: i32, i: i32): void {
  const cur = get(CUR, v);
  let want = cur == 0 ? 1 : cur == 1 ? (chance(0.5) ? 1 : 2) : cur + 1;
  want = min(want, i + 1);
  let pool = i; // named candidates: ORDER[0..pool-1], plus the constant
  const back = get(BACK, v);
  if (back >= 0) {
    addInput(v, back);
    want--;
    pool--; // the genuine code drops the node just before v, not the backbone input
  }
  if (want == pool + 1) {
    set(HAS_CONST, v, 1);
    for (let j = 0; j < pool; j++) addInput(v, get(ORDER, j));
    return;
  }
  if (chance(0.5)) {
    set(HAS_CONST, v, 1);
    want--;
  }
  for (let j = 0; j < pool; j++) set(PICK, j, get(ORDER, j));
  for (let j = 0; j < want; j++) {
    const k = j + below(pool - j);
    const u = get(PICK, k);
    set(PICK, k, get(PICK, j));
    addInput(v, u);
  }
}

