// One candidate problem world: the structure graph (places x items, the linked pairs), every
// parameter's definition in the order it was drawn, its value, and its ancestor set. Nodes
// 0..nPairs-1 are instance parameters (one per linked pair), the next nPlaces are the aggregates
// ("total number of ... in {place}"), which depend on every pair of their place.
import { Rng } from './rng';

export const SIDE = 5; // names per layer group in every template
export const MAX_NODES = 32; // 25 pairs + 5 aggregates: a node set fits one u32 mask
export const MAX_DEPS = 5; // an aggregate over 5 items; instance parameters use at most 4
export const MAX_VALUE = 1000;

export const CONST_NONE = 0;
export const CONST_PLUS = 1;
export const CONST_TIMES = 2;

export class World {
  rng: Rng = new Rng(0, 0);
  placeGroup: i32 = 0;
  itemGroup: i32 = 0;
  nPlaces: i32 = 0;
  nItems: i32 = 0;
  placeName: StaticArray<i32> = new StaticArray<i32>(SIDE); // index into the template's group
  itemName: StaticArray<i32> = new StaticArray<i32>(SIDE);
  pairAt: StaticArray<i32> = new StaticArray<i32>(SIDE * SIDE); // place*SIDE+item -> node, or -1
  nPairs: i32 = 0;
  nNodes: i32 = 0;

  isAgg: StaticArray<bool> = new StaticArray<bool>(MAX_NODES);
  place: StaticArray<i32> = new StaticArray<i32>(MAX_NODES);
  item: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // -1 for aggregates
  nDeps: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // 0: a constant (leaf)
  deps: StaticArray<i32> = new StaticArray<i32>(MAX_NODES * MAX_DEPS);
  constKind: StaticArray<i32> = new StaticArray<i32>(MAX_NODES);
  constVal: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // also a leaf's value
  isDiff: StaticArray<bool> = new StaticArray<bool>(MAX_NODES);
  value: StaticArray<i32> = new StaticArray<i32>(MAX_NODES);
  cost: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // own op count: in-edges, a constant is one
  anc: StaticArray<u32> = new StaticArray<u32>(MAX_NODES); // ancestors, self included
  ops: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // op count of the ancestor set
  placed: StaticArray<bool> = new StaticArray<bool>(MAX_NODES);
  order: StaticArray<i32> = new StaticArray<i32>(MAX_NODES); // definition order (topological)
  nOrder: i32 = 0;

  // Reverse mode: x's coefficient and the constant of each node as a linear function of the unknown.
  linA: StaticArray<i32> = new StaticArray<i32>(MAX_NODES);
  linB: StaticArray<i32> = new StaticArray<i32>(MAX_NODES);

  private scratch: StaticArray<i32> = new StaticArray<i32>(SIDE * SIDE);

  aggOf(p: i32): i32 {
    return this.nPairs + p;
  }

  dep(v: i32, j: i32): i32 {
    return unchecked(this.deps[v * MAX_DEPS + j]);
  }

  /** Draws the structure graph: 2-5 places and 2-5 items, every item and every place linked. */
  drawStructure(placeGroups: i32, itemGroups: i32): void {
    const rng = this.rng;
    this.placeGroup = rng.below(placeGroups);
    this.itemGroup = rng.below(itemGroups);
    this.nPlaces = rng.range(2, SIDE);
    this.nItems = rng.range(2, SIDE);
    this.pickNames(this.placeName, this.nPlaces);
    this.pickNames(this.itemName, this.nItems);
    for (let i = 0; i < SIDE * SIDE; i++) this.pairAt[i] = -1;
    let links = 0;
    for (let j = 0; j < this.nItems; j++) {
      this.pairAt[rng.below(this.nPlaces) * SIDE + j] = 0;
      links++;
    }
    for (let p = 0; p < this.nPlaces; p++) {
      let has = false;
      for (let j = 0; j < this.nItems; j++) has = has || this.pairAt[p * SIDE + j] >= 0;
      if (!has) {
        this.pairAt[p * SIDE + rng.below(this.nItems)] = 0;
        links++;
      }
    }
    // A few extra links: up to half of the free cells, so fact counts stay near the study's.
    let free = 0;
    for (let p = 0; p < this.nPlaces; p++)
      for (let j = 0; j < this.nItems; j++) if (this.pairAt[p * SIDE + j] < 0) this.scratch[free++] = p * SIDE + j;
    let extra = rng.below((free >> 1) + 1);
    while (extra-- > 0) {
      const k = rng.below(free);
      this.pairAt[this.scratch[k]] = 0;
      this.scratch[k] = this.scratch[--free];
    }
    // Number the nodes: pairs, then one aggregate per place.
    let n = 0;
    for (let p = 0; p < this.nPlaces; p++)
      for (let j = 0; j < this.nItems; j++)
        if (this.pairAt[p * SIDE + j] >= 0) {
          this.pairAt[p * SIDE + j] = n;
          this.initNode(n, false, p, j);
          n++;
        }
    this.nPairs = n;
    for (let p = 0; p < this.nPlaces; p++) this.initNode(n++, true, p, -1);
    this.nNodes = n;
    this.nOrder = 0;
  }

  private pickNames(out: StaticArray<i32>, count: i32): void {
    for (let i = 0; i < SIDE; i++) this.scratch[i] = i;
    for (let i = 0; i < count; i++) {
      const k = i + this.rng.below(SIDE - i);
      const t = this.scratch[k];
      this.scratch[k] = this.scratch[i];
      this.scratch[i] = t;
      out[i] = t;
    }
  }

  private initNode(v: i32, agg: bool, p: i32, j: i32): void {
    this.isAgg[v] = agg;
    this.place[v] = p;
    this.item[v] = j;
    this.nDeps[v] = 0;
    this.constKind[v] = CONST_NONE;
    this.constVal[v] = 0;
    this.isDiff[v] = false;
    this.placed[v] = false;
  }

  /** True when every pair of the place is defined and their sum stays in range. */
  aggregateReady(p: i32): bool {
    const a = this.aggOf(p);
    if (this.placed[a]) return false;
    let sum = 0;
    for (let j = 0; j < this.nItems; j++) {
      const v = this.pairAt[p * SIDE + j];
      if (v < 0) continue;
      if (!this.placed[v]) return false;
      sum += this.value[v];
    }
    return sum <= MAX_VALUE;
  }

  /** Op count an aggregate will cost: one per pair of its place. */
  aggregateCost(p: i32): i32 {
    let c = 0;
    for (let j = 0; j < this.nItems; j++) if (this.pairAt[p * SIDE + j] >= 0) c++;
    return c;
  }

  /** Defines aggregate of place p (its pairs in random order) and appends it to the order. */
  placeAggregate(p: i32): void {
    const a = this.aggOf(p);
    let k = 0;
    let sum = 0;
    for (let j = 0; j < this.nItems; j++) {
      const v = this.pairAt[p * SIDE + j];
      if (v < 0) continue;
      // insert at a random position: a uniform shuffle of the pairs
      const at = this.rng.below(k + 1);
      this.deps[a * MAX_DEPS + k] = this.deps[a * MAX_DEPS + at];
      this.deps[a * MAX_DEPS + at] = v;
      k++;
      sum += this.value[v];
    }
    this.nDeps[a] = k;
    this.value[a] = sum;
    this.cost[a] = k;
    this.append(a);
  }

  /**
   * Defines instance parameter v over the nodes defined so far: a constant, another quantity,
   * a constant plus/times one, a sum or difference of two, a sum of three or four, or a constant
   * plus/times a sum or difference. Its op cost stays within maxCost; forms whose values break
   * the rules (negative, over 1000, zero) are redrawn, and a constant is the last resort.
   */
  defineInstance(v: i32, maxCost: i32): void {
    const rng = this.rng;
    const pool = this.nOrder;
    for (let attempt = 0; attempt < 6 && pool > 0 && maxCost > 1; attempt++) {
      if (rng.chance(0.3)) break;
      let k = 1;
      while (k < 4 && k < pool && rng.chance(0.5)) k++;
      const kind = rng.chance(0.5) ? CONST_NONE : rng.chance(0.5) ? CONST_PLUS : CONST_TIMES;
      if (k + (kind == CONST_NONE ? 0 : 1) > maxCost) continue;
      const c = kind == CONST_TIMES ? rng.range(2, 4) : rng.range(1, 4);
      const diff = k == 2 && rng.chance(0.5);
      this.drawDeps(v, k);
      let base = 0;
      if (diff) base = this.value[this.dep(v, 0)] - this.value[this.dep(v, 1)];
      else for (let j = 0; j < k; j++) base += this.value[this.dep(v, j)];
      const val = kind == CONST_PLUS ? c + base : kind == CONST_TIMES ? c * base : base;
      if (base < 0 || base > MAX_VALUE || val < 1 || val > MAX_VALUE) continue;
      this.nDeps[v] = k;
      this.constKind[v] = kind;
      this.constVal[v] = c;
      this.isDiff[v] = diff;
      this.value[v] = val;
      this.cost[v] = k + (kind == CONST_NONE ? 0 : 1);
      this.append(v);
      return;
    }
    this.nDeps[v] = 0;
    this.constKind[v] = CONST_NONE;
    this.isDiff[v] = false;
    const c = rng.range(1, 4);
    this.constVal[v] = c;
    this.value[v] = c;
    this.cost[v] = 1;
    this.append(v);
  }

  /** k distinct dependencies among the defined nodes, the newest one first half of the time. */
  private drawDeps(v: i32, k: i32): void {
    const base = v * MAX_DEPS;
    for (let j = 0; j < k; j++) {
      let d: i32;
      let fresh: bool;
      do {
        d = j == 0 && this.rng.chance(0.5) ? this.order[this.nOrder - 1] : this.order[this.rng.below(this.nOrder)];
        fresh = true;
        for (let i = 0; i < j; i++) fresh = fresh && this.deps[base + i] != d;
      } while (!fresh);
      this.deps[base + j] = d;
    }
  }

  private append(v: i32): void {
    this.placed[v] = true;
    this.order[this.nOrder++] = v;
    let mask: u32 = (<u32>1) << v;
    for (let j = 0; j < this.nDeps[v]; j++) mask |= this.anc[this.dep(v, j)];
    this.anc[v] = mask;
    let ops = 0;
    let m = mask;
    while (m != 0) {
      ops += this.cost[<i32>ctz(m)];
      m &= m - 1;
    }
    this.ops[v] = ops;
  }
}
