// Renders a drawn world as GSM-Infinite text: the shuffled fact sentences, the question, and the
// step-by-step solution ("Define <name> as <Letter>; ... so <Letter> = ... ."). Reverse mode carries
// the unknown x symbolically (a*x + b, printed the way sympy prints it) and ends by solving the
// linear equation the given target value sets up.
import { Draw } from './draw';
import { TemplateData } from './templates';
import { World, CONST_NONE, CONST_PLUS } from './world';

export class Rendered {
  problem: string = '';
  question: string = '';
  solution: string = '';
  answer: i32 = 0;
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const X: i32 = 0x78; // 'x', reserved for the unknown in reverse mode

/** a*x + b as sympy prints it: "x", "2*x + 4", "x - 3", "5 - x", "7". */
export function linear(a: i32, b: i32): string {
  if (a == 0) return b.toString();
  const xs = a == 1 ? 'x' : a == -1 ? '-x' : a.toString() + '*x';
  if (b == 0) return xs;
  if (a < 0 && b > 0) return b.toString() + ' - ' + (a == -1 ? 'x' : (-a).toString() + '*x');
  return b > 0 ? xs + ' + ' + b.toString() : xs + ' - ' + (-b).toString();
}

export class Renderer {
  private d: Draw;
  private t: TemplateData;
  private w: World;
  private reverse: bool = false;
  private out: string[] = [];
  private letters: StaticArray<i32> = new StaticArray<i32>(52);
  private nLetters: i32 = 0;
  private letterOf: StaticArray<i32> = new StaticArray<i32>(32);

  constructor(d: Draw, t: TemplateData) {
    this.d = d;
    this.t = t;
    this.w = d.world;
  }

  render(): Rendered {
    const r = new Rendered();
    this.reverse = this.d.unknown >= 0;
    r.problem = this.problem();
    const q = this.reverse ? this.d.unknown : this.d.target;
    r.question = this.w.isAgg[q]
      ? 'What is the ' + this.name(q) + '?'
      : 'How many ' + this.itemName(q) + ' does ' + this.placeName(q) + ' have?';
    r.answer = this.w.value[q];
    r.solution = this.solution();
    return r;
  }

  private placeName(v: i32): string {
    return this.t.places[this.w.placeGroup][this.w.placeName[this.w.place[v]]];
  }

  private itemName(v: i32): string {
    return this.t.items[this.w.itemGroup][this.w.itemName[this.w.item[v]]];
  }

  /** The parameter's name as the solution defines it. */
  private name(v: i32): string {
    if (this.w.isAgg[v]) return 'total number of ' + this.t.total + ' in ' + this.placeName(v);
    return this.itemName(v) + ' in ' + this.placeName(v);
  }

  /** The parameter as a sentence mentions it. */
  private ref(v: i32): string {
    return this.w.isAgg[v] ? 'the ' + this.name(v) : 'the number of ' + this.name(v);
  }

  // ---- problem text ----

  private problem(): string {
    const w = this.w;
    const sentences: string[] = [];
    for (let v = 0; v < w.nPairs; v++) sentences.push(this.sentence(v));
    if (this.reverse) {
      const t = this.d.target;
      sentences.push((w.isAgg[t] ? 'The ' : 'The number of ') + this.name(t) + ' equals ' + w.value[t].toString());
    }
    for (let i = sentences.length - 1; i > 0; i--) {
      const k = w.rng.below(i + 1);
      const s = sentences[k];
      sentences[k] = sentences[i];
      sentences[i] = s;
    }
    return sentences.join('. ') + '. ';
  }

  private sentence(v: i32): string {
    const w = this.w;
    const head = 'The number of ' + this.name(v);
    if (v == this.d.unknown) return head + ' exists, and its number is greater than 0';
    const k = w.nDeps[v];
    if (k == 0) return head + ' equals ' + w.constVal[v].toString();
    let base: string;
    if (k == 1) base = this.ref(w.dep(v, 0));
    else if (w.isDiff[v]) base = 'the difference between ' + this.ref(w.dep(v, 0)) + ' and ' + this.ref(w.dep(v, 1));
    else if (k == 2) base = 'the sum of ' + this.ref(w.dep(v, 0)) + ' and ' + this.ref(w.dep(v, 1));
    else {
      base = 'the sum of ';
      for (let j = 0; j < k - 1; j++) base += this.ref(w.dep(v, j)) + ', ';
      base += 'and ' + this.ref(w.dep(v, k - 1));
    }
    const kind = w.constKind[v];
    if (kind == CONST_NONE) return head + ' equals ' + base;
    return head + ' equals ' + w.constVal[v].toString() + (kind == CONST_PLUS ? ' plus ' : ' times ') + base;
  }

  // ---- solution text ----

  private solution(): string {
    const w = this.w;
    const d = this.d;
    this.out = [];
    this.nLetters = 0;
    for (let i = 0; i < LETTERS.length; i++) {
      const c = LETTERS.charCodeAt(i);
      if (!this.reverse || c != X) this.letters[this.nLetters++] = c;
    }
    if (this.reverse) this.out.push('The question is difficult, so we use equations to solve it. ');
    const inSet = w.anc[d.target];
    let first = true;
    for (let i = 0; i < w.nOrder; i++) {
      const v = w.order[i];
      if (((inSet >> v) & 1) == 0) continue;
      if (!first) this.out.push(' ');
      first = false;
      this.clause(v);
    }
    const t = d.target;
    if (this.reverse) {
      const a = w.linA[t];
      const b = w.linB[t];
      const g = w.value[t];
      const lhs = linear(a, b);
      const rest = (g - b).toString();
      this.out.push(' We know ' + this.letter(t) + ' = ' + g.toString() + ', so we have ' + lhs + ' = ' + g.toString());
      this.out.push(' and we solve it through the following steps: Simplifying the equation: ' + lhs + ' = ' + g.toString());
      this.out.push('. Move all terms to one side: ' + linear(a, b - g) + ' = 0. Isolate the term with x: ');
      this.out.push(a.toString() + '*x = ' + rest + '. Divide both sides by ' + a.toString() + ': x = ' + rest + ' / ' + a.toString());
      this.out.push('. Solution: x = ' + w.value[d.unknown].toString() + '.');
    }
    const answer = this.reverse ? w.value[d.unknown] : w.value[t];
    this.out.push(' Answer: ' + answer.toString() + '.');
    return this.out.join('');
  }

  private newLetter(): string {
    const k = this.w.rng.below(this.nLetters);
    const c = this.letters[k];
    this.letters[k] = this.letters[--this.nLetters];
    return String.fromCharCode(c);
  }

  private letter(v: i32): string {
    return String.fromCharCode(this.letterOf[v]);
  }

  private termA(v: i32): i32 {
    return this.reverse ? this.w.linA[v] : 0;
  }

  private termB(v: i32): i32 {
    return this.reverse ? this.w.linB[v] : this.w.value[v];
  }

  /** "{ta} op {tb}"; reverse mode wraps both operands of * and - in parentheses, as the study did. */
  private binary(op: string, ta: string, tb: string): string {
    if (this.reverse && op != '+') return '(' + ta + ') ' + op + ' (' + tb + ')';
    return ta + ' ' + op + ' ' + tb;
  }

  /** One node: "Define <name> as <L>; [scratch; ...] so L = expr = values = result." */
  private clause(v: i32): void {
    const w = this.w;
    const out = this.out;
    const isX = v == this.d.unknown;
    const L = isX ? 'x' : this.newLetter();
    this.letterOf[v] = L.charCodeAt(0);
    out.push('Define ' + this.name(v) + ' as ' + L + '; ');
    const k = w.nDeps[v];
    if (isX) {
      out.push("we don't know its value yet but will find it out later.");
      return;
    }
    if (k == 0) {
      out.push('so ' + L + ' = ' + w.constVal[v].toString() + '.');
      return;
    }
    const kind = w.isAgg[v] ? CONST_NONE : w.constKind[v];
    // The dependencies combine into L directly, or into a scratch letter S when a constant follows.
    const S = kind == CONST_NONE ? L : this.newLetter();
    const lead = kind == CONST_NONE ? 'so ' : '';
    const tail = kind == CONST_NONE ? '' : '; ';
    const d0 = w.dep(v, 0);
    let accL = this.letter(d0);
    let accA = this.termA(d0);
    let accB = this.termB(d0);
    if (k == 1) {
      out.push(lead + S + ' = ' + accL + ' = ' + linear(accA, accB) + tail);
    } else {
      for (let j = 1; j < k; j++) {
        const dj = w.dep(v, j);
        const op = w.isDiff[v] ? '-' : '+';
        const aj = this.termA(dj);
        const bj = this.termB(dj);
        const last = j == k - 1;
        const dest = last ? S : this.newLetter();
        const na = op == '-' ? accA - aj : accA + aj;
        const nb = op == '-' ? accB - bj : accB + bj;
        out.push((last ? lead : '') + dest + ' = ' + accL + ' ' + op + ' ' + this.letter(dj) + ' = ');
        out.push(this.binary(op, linear(accA, accB), linear(aj, bj)) + ' = ' + linear(na, nb) + (last ? tail : '; '));
        accL = dest;
        accA = na;
        accB = nb;
      }
    }
    if (kind == CONST_NONE) {
      out.push('.');
      return;
    }
    const c = w.constVal[v];
    const op = kind == CONST_PLUS ? '+' : '*';
    const ra = kind == CONST_PLUS ? accA : c * accA;
    const rb = kind == CONST_PLUS ? c + accB : c * accB;
    out.push('so ' + L + ' = ' + c.toString() + ' ' + op + ' ' + S + ' = ');
    out.push(this.binary(op, c.toString(), linear(accA, accB)) + ' = ' + linear(ra, rb) + '.');
  }
}
