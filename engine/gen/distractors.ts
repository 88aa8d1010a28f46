// The distractors (GSM_INFINITE_SAMPLING.md §3.5): every structure item outside the solution becomes
// a fact with 1-4 inputs, drawn after the problem is accepted (they never feed the question, so
// they cannot change whether it is). One difference from the genuine generator, on purpose: an
// input that would make a fact depend on itself (through its own container's total) is never
// offered, so every stated fact has a value.
import { get, set } from './mem';
import { anyNode, core, rejectedPlace } from './necessary';
import { below, chance } from './rng';
import {
  HAS_CONST, IN_MASK, IS_AGG, MAX_NODES, PLACE, addInput, aggOf, allItems, bit, drawRelation, itemsOf, nPairs,
  nPlaces, setPlainNumber,
} from './world';

const POOL = memory.data(MAX_NODES * 2 * 4); // candidate inputs; a total may be offered twice

export function drawDistractors(): void {
  let queue = allItems() & ~core;
  let graph = core;
  let independent: u32 = 0;
  while (queue != 0) {
    const a = anyNode(queue);
    queue &= ~bit(a);
    let n = 0;
    if (chance(0.5)) {
      n = listNodes(independent, 0);
      independent |= bit(a);
    } else {
      const avoid = dependents(a, graph);
      // every parameter in the graph, then each other total with an item in the graph (the genuine
      // list of remaining totals still holds pulled-in totals, so those come twice)
      n = listNodes(graph & ~avoid, 0);
      for (let p = 0; p < nPlaces; p++) {
        const t = aggOf(p);
        if ((core & bit(t)) == 0 && p != rejectedPlace && (itemsOf(p) & graph) != 0 && (avoid & bit(t)) == 0)
          set(POOL, n++, t);
      }
    }
    graph |= bit(a);
    let want = 1;
    while (want < min(4, n + 1) && chance(0.5)) want++;
    if (want == n + 1) {
      set(HAS_CONST, a, 1);
      for (let j = 0; j < n; j++) graph = use(a, get(POOL, j), graph);
    } else {
      if (chance(0.5)) {
        set(HAS_CONST, a, 1);
        want--;
      }
      for (let j = 0; j < want; j++) {
        const k = j + below(n - j);
        const u = get(POOL, k);
        set(POOL, k, get(POOL, j));
        graph = use(a, u, graph);
      }
    }
    queue &= ~graph;
    drawRelation(a);
  }
}

/** Writes the nodes of a set into POOL from position n; returns the new length. */
function listNodes(m: u32, n: i32): i32 {
  while (m != 0) {
    set(POOL, n++, <i32>ctz(m));
    m &= m - 1;
  }
  return n;
}

/** Adds input u to a; a total not yet in the graph enters with all its items, as plain numbers. */
function use(a: i32, u: i32, graph: u32): u32 {
  if (get(IS_AGG, u) != 0 && (graph & bit(u)) == 0) {
    let fresh = itemsOf(get(PLACE, u)) & ~graph;
    graph |= bit(u) | fresh;
    while (fresh != 0) {
      setPlainNumber(<i32>ctz(fresh));
      fresh &= fresh - 1;
    }
  }
  addInput(a, u);
  return graph;
}

/** Nodes whose value depends on a (a total depends on every item of its container). */
function dependents(a: i32, graph: u32): u32 {
  const totals = (bit(nPlaces) - 1) << nPairs;
  let s = bit(a) | bit(aggOf(get(PLACE, a)));
  let grown = true;
  while (grown) {
    grown = false;
    let m = (graph | totals) & ~s; // a total outside the graph is offered too
    while (m != 0) {
      const u = <i32>ctz(m);
      m &= m - 1;
      const inputs = get(IS_AGG, u) != 0 ? itemsOf(get(PLACE, u)) : <u32>get(IN_MASK, u);
      if ((inputs & s) != 0) {
        s |= bit(u);
        grown = true;
      }
    }
  }
  return s;
}
