// Draws one accepted problem world: the structure graph, the necessary DAG under the op budget,
// the question, the distractors and (reverse mode) the unknown. Candidates are redrawn until the
// question's ancestor set counts exactly the requested op.
import { Rng } from './rng';
import { TemplateData } from './templates';
import { World, CONST_PLUS, CONST_TIMES } from './world';

export const MIN_OP = 2;
export const MAX_OP = 30;
const MAX_CANDIDATES = 1000000;

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

/** The drawn problem: its world, the node asked about, and the unknown (-1 in forward mode). */
export class Draw {
  world: World = new World();
  target: i32 = -1;
  unknown: i32 = -1;
  private cands: StaticArray<i32> = new StaticArray<i32>(32);
  private aggs: StaticArray<i32> = new StaticArray<i32>(8);

  /** Draws problem `index` of `seed` until a candidate meets every rule. */
  run(t: TemplateData, seed: u64, index: u64, op: i32, reverse: bool): void {
    const w = this.world;
    w.rng = new Rng(seed, index);
    for (let i = 0; i < MAX_CANDIDATES; i++) {
      w.drawStructure(t.places.length, t.items.length);
      this.drawNecessary(opMax(op));
      if (!this.pickTarget(op)) continue;
      this.drawDistractors();
      if (reverse && !this.pickUnknown()) continue;
      if (!reverse) this.unknown = -1;
      return;
    }
    abort('generator: no problem met the rules for op ' + op.toString());
  }

  /** Defines parameters, pairs and complete aggregates, while their op total stays in budget. */
  private drawNecessary(budget: i32): void {
    const w = this.world;
    const rng = w.rng;
    let spent = 0;
    while (spent < budget) {
      const left = budget - spent;
      let na = 0;
      for (let p = 0; p < w.nPlaces; p++)
        if (w.aggregateReady(p) && w.aggregateCost(p) <= left) this.aggs[na++] = p;
      const np = this.unplacedPairs();
      if (na > 0 && (np == 0 || rng.chance(0.5))) {
        const p = this.aggs[rng.below(na)];
        w.placeAggregate(p);
        spent += w.cost[w.aggOf(p)];
      } else if (np > 0) {
        const v = this.cands[rng.below(np)];
        w.defineInstance(v, left);
        spent += w.cost[v];
      } else break;
    }
  }

  /** Fills cands with the pairs not yet defined; returns their count. */
  private unplacedPairs(): i32 {
    const w = this.world;
    let n = 0;
    for (let v = 0; v < w.nPairs; v++) if (!w.placed[v]) this.cands[n++] = v;
    return n;
  }

  /** Asks about a node whose ancestors count exactly op, an aggregate 85% of the time if one fits. */
  private pickTarget(op: i32): bool {
    const w = this.world;
    let nAgg = 0;
    let nInst = 0;
    for (let i = 0; i < w.nOrder; i++) {
      const v = w.order[i];
      if (w.ops[v] != op) continue;
      if (w.isAgg[v]) this.cands[nAgg++] = v;
      else this.cands[31 - nInst++] = v;
    }
    if (nAgg + nInst == 0) return false;
    if (nAgg > 0 && (nInst == 0 || w.rng.chance(0.85))) this.target = this.cands[w.rng.below(nAgg)];
    else this.target = this.cands[31 - w.rng.below(nInst)];
    return true;
  }

  /** Every pair not yet defined becomes a fact with 1-4 dependencies on anything defined. */
  private drawDistractors(): void {
    const w = this.world;
    this.placeReadyAggregates();
    let np = this.unplacedPairs();
    while (np > 0) {
      const v = this.cands[w.rng.below(np)];
      w.defineInstance(v, 5);
      this.placeReadyAggregates();
      np = this.unplacedPairs();
    }
  }

  private placeReadyAggregates(): void {
    const w = this.world;
    for (let p = 0; p < w.nPlaces; p++) if (w.aggregateReady(p)) w.placeAggregate(p);
  }

  /**
   * Reverse mode: one constant among the question's ancestors becomes the unknown x. Every
   * ancestor becomes a linear function a*x + b; the target's a must be positive to solve for x.
   */
  private pickUnknown(): bool {
    const w = this.world;
    const inSet = w.anc[this.target];
    let n = 0;
    for (let i = 0; i < w.nOrder; i++) {
      const v = w.order[i];
      if (((inSet >> v) & 1) != 0 && !w.isAgg[v] && w.nDeps[v] == 0) this.cands[n++] = v;
    }
    while (n > 0) {
      const k = w.rng.below(n);
      const u = this.cands[k];
      this.cands[k] = this.cands[--n];
      this.linearize(u);
      if (w.linA[this.target] > 0) {
        this.unknown = u;
        return true;
      }
    }
    return false;
  }

  private linearize(u: i32): void {
    const w = this.world;
    const inSet = w.anc[this.target];
    for (let i = 0; i < w.nOrder; i++) {
      const v = w.order[i];
      if (((inSet >> v) & 1) == 0) continue;
      let a = 0;
      let b = 0;
      const k = w.nDeps[v];
      if (v == u) a = 1;
      else if (k == 0) b = w.constVal[v];
      else if (w.isDiff[v]) {
        const d0 = w.dep(v, 0);
        const d1 = w.dep(v, 1);
        a = w.linA[d0] - w.linA[d1];
        b = w.linB[d0] - w.linB[d1];
      } else
        for (let j = 0; j < k; j++) {
          a += w.linA[w.dep(v, j)];
          b += w.linB[w.dep(v, j)];
        }
      if (k > 0 && w.constKind[v] == CONST_PLUS) b += w.constVal[v];
      if (k > 0 && w.constKind[v] == CONST_TIMES) {
        a *= w.constVal[v];
        b *= w.constVal[v];
      }
      w.linA[v] = a;
      w.linB[v] = b;
    }
  }
}
