// Writes a drawn world as GSM-Infinite text into the batch buffer: the shuffled fact sentences,
// the question, and the step-by-step solution ("Define <name> as <Letter>; ... so <Letter> = ...").
// Reverse mode carries the unknown x symbolically (a*x + b, printed the way sympy prints it) and
// ends by solving the linear equation the given target value sets up.
import { LIN_A, LIN_B, target, unknown } from './draw';
import { get, set } from './mem';
import { ORDER, nCore } from './necessary';
import { below } from './rng';
import { TemplateData } from './templates';
import { putChar, putInt, putStr } from './text';
import {
  CONST_KIND, CONST_NONE, CONST_PLUS, CONST_VAL, IS_AGG, IS_DIFF, ITEM, ITEM_NAME, N_DEPS, PLACE, PLACE_NAME,
  VALUE, dep, itemGroup, nPairs, placeGroup,
} from './world';

const X: i32 = 0x78; // 'x', the unknown of reverse mode; neither x nor X is drawn as a letter there
const LETTERS = memory.data(52 * 4);
const LETTER_OF = memory.data(32 * 4);
const PERM = memory.data(32 * 4);
let nLetters = 0;
let reverse = false;
let tpl: TemplateData = changetype<TemplateData>(0);

/** Writes the problem text (facts, each followed by ". "); the question and solution follow. */
export function writeProblem(t: TemplateData): void {
  tpl = t;
  reverse = unknown >= 0;
  // sentence order: a shuffle of the pairs, plus the target's given value in reverse mode
  const n = nPairs + i32(reverse);
  for (let i = 0; i < n; i++) {
    const k = below(i + 1);
    set(PERM, i, get(PERM, k));
    set(PERM, k, i);
  }
  for (let i = 0; i < n; i++) {
    const v = get(PERM, i);
    if (v == nPairs) {
      putStr(get(IS_AGG, target) != 0 ? 'The ' : 'The number of ');
      putName(target);
      putStr(' equals ');
      putInt(get(VALUE, target));
    } else sentence(v);
    putStr('. ');
  }
}

export function writeQuestion(): void {
  const q = reverse ? unknown : target;
  if (get(IS_AGG, q) != 0) {
    putStr('What is the ');
    putName(q);
    putChar(0x3f);
  } else {
    putStr('How many ');
    putStr(itemName(q));
    putStr(' does ');
    putStr(placeName(q));
    putStr(' have?');
  }
}

/** The answer: the target's value, or the unknown's in reverse mode. */
export function answer(): i32 {
  return get(VALUE, reverse ? unknown : target);
}

@inline
function placeName(v: i32): string {
  return tpl.places[placeGroup][get(PLACE_NAME, get(PLACE, v))];
}

@inline
function itemName(v: i32): string {
  return tpl.items[itemGroup][get(ITEM_NAME, get(ITEM, v))];
}

/** The parameter's name as the solution defines it. */
function putName(v: i32): void {
  if (get(IS_AGG, v) != 0) {
    putStr('total number of ');
    putStr(tpl.total);
  } else putStr(itemName(v));
  putStr(' in ');
  putStr(placeName(v));
}

/** The parameter as a sentence mentions it. */
function putRef(v: i32): void {
  putStr(get(IS_AGG, v) != 0 ? 'the ' : 'the number of ');
  putName(v);
}

function sentence(v: i32): void {
  putStr('The number of ');
  putName(v);
  if (v == unknown) {
    putStr(' exists, and its number is greater than 0');
    return;
  }
  putStr(' equals ');
  const k = get(N_DEPS, v);
  if (k == 0) {
    putInt(get(CONST_VAL, v));
    return;
  }
  const kind = get(CONST_KIND, v);
  if (kind != CONST_NONE) {
    putInt(get(CONST_VAL, v));
    putStr(kind == CONST_PLUS ? ' plus ' : ' times ');
  }
  if (k == 1) {
    putRef(dep(v, 0));
    return;
  }
  putStr(get(IS_DIFF, v) != 0 ? 'the difference between ' : 'the sum of ');
  for (let j = 0; j < k - 1; j++) {
    putRef(dep(v, j));
    putStr(k == 2 ? ' and ' : j < k - 2 ? ', ' : ', and ');
  }
  putRef(dep(v, k - 1));
}

/** a*x + b as sympy prints it: "x", "2*x + 4", "x - 3", "5 - x", "7". */
function putLinear(a: i32, b: i32): void {
  if (a == 0) {
    putInt(b);
    return;
  }
  if (a < 0 && b > 0) {
    putInt(b);
    putStr(' - ');
    putXTerm(-a);
    return;
  }
  putXTerm(a);
  if (b > 0) {
    putStr(' + ');
    putInt(b);
  } else if (b < 0) {
    putStr(' - ');
    putInt(-b);
  }
}

function putXTerm(a: i32): void {
  if (a == -1) putChar(0x2d);
  else if (a != 1) {
    putInt(a);
    putChar(0x2a);
  }
  putChar(X);
}

/** "{ta} op {tb}"; reverse mode wraps both operands of * and - in parentheses, as the study did. */
function putBinary(op: i32, a1: i32, b1: i32, a2: i32, b2: i32): void {
  const wrap = reverse && op != 0x2b;
  if (wrap) putChar(0x28);
  putLinear(a1, b1);
  if (wrap) putChar(0x29);
  putChar(0x20);
  putChar(op);
  putChar(0x20);
  if (wrap) putChar(0x28);
  putLinear(a2, b2);
  if (wrap) putChar(0x29);
}

export function writeSolution(): void {
  nLetters = 0;
  for (let c = 0x41; c <= 0x7a; c++)
    if ((c <= 0x5a || c >= 0x61) && !(reverse && (c | 0x20) == X)) set(LETTERS, nLetters++, c);
  if (reverse) putStr('The question is difficult, so we use equations to solve it. ');
  for (let i = 0; i < nCore; i++) {
    if (i > 0) putChar(0x20);
    clause(get(ORDER, i));
  }
  if (reverse) equation();
  putStr(' Answer: ');
  putInt(answer());
  putChar(0x2e);
}

/** Reverse mode's closing steps: solve a*x + b = g for x. */
function equation(): void {
  const a = get(LIN_A, target);
  const b = get(LIN_B, target);
  const g = get(VALUE, target);
  putStr(' We know ');
  putChar(get(LETTER_OF, target));
  putStr(' = ');
  putInt(g);
  putStr(', so we have ');
  putLinear(a, b);
  putStr(' = ');
  putInt(g);
  putStr(' and we solve it through the following steps: Simplifying the equation: ');
  putLinear(a, b);
  putStr(' = ');
  putInt(g);
  putStr('. Move all terms to one side: ');
  putLinear(a, b - g);
  putStr(' = 0. Isolate the term with x: ');
  putInt(a);
  putStr('*x = ');
  putInt(g - b);
  putStr('. Divide both sides by ');
  putInt(a);
  putStr(': x = ');
  putInt(g - b);
  putStr(' / ');
  putInt(a);
  putStr('. Solution: x = ');
  putInt(get(VALUE, unknown));
  putChar(0x2e);
}

function newLetter(): i32 {
  const k = below(nLetters);
  const c = get(LETTERS, k);
  set(LETTERS, k, get(LETTERS, --nLetters));
  return c;
}

@inline
function termA(v: i32): i32 {
  return reverse ? get(LIN_A, v) : 0;
}

@inline
function termB(v: i32): i32 {
  return reverse ? get(LIN_B, v) : get(VALUE, v);
}

/** "{dest} = {l1} op {l2} = {t1} op {t2} = {result}" */
function putStep(dest: i32, l1: i32, op: i32, l2: i32): void {
  putChar(dest);
  putStr(' = ');
  putChar(l1);
  putChar(0x20);
  putChar(op);
  putChar(0x20);
  putChar(l2);
  putStr(' = ');
}

/** One node: "Define <name> as <L>; [scratch; ...] so L = expr = values = result." */
function clause(v: i32): void {
  const isX = v == unknown;
  const L = isX ? X : newLetter();
  set(LETTER_OF, v, L);
  putStr('Define ');
  putName(v);
  putStr(' as ');
  putChar(L);
  putStr('; ');
  if (isX) {
    putStr("we don't know its value yet but will find it out later.");
    return;
  }
  const k = get(N_DEPS, v);
  if (k == 0) {
    putStr('so ');
    putChar(L);
    putStr(' = ');
    putInt(get(CONST_VAL, v));
    putChar(0x2e);
    return;
  }
  const kind = get(IS_AGG, v) != 0 ? CONST_NONE : get(CONST_KIND, v);
  // The dependencies combine into L directly, or into a scratch letter S when a constant follows.
  const S = kind == CONST_NONE ? L : newLetter();
  const d0 = dep(v, 0);
  let accL = get(LETTER_OF, d0);
  let accA = termA(d0);
  let accB = termB(d0);
  if (k == 1) {
    if (kind == CONST_NONE) putStr('so ');
    putChar(S);
    putStr(' = ');
    putChar(accL);
    putStr(' = ');
    putLinear(accA, accB);
  } else {
    const op = get(IS_DIFF, v) != 0 ? 0x2d : 0x2b;
    for (let j = 1; j < k; j++) {
      const dj = dep(v, j);
      const aj = termA(dj);
      const bj = termB(dj);
      const last = j == k - 1;
      const dest = last ? S : newLetter();
      const na = op == 0x2d ? accA - aj : accA + aj;
      const nb = op == 0x2d ? accB - bj : accB + bj;
      if (last && kind == CONST_NONE) putStr('so ');
      putStep(dest, accL, op, get(LETTER_OF, dj));
      putBinary(op, accA, accB, aj, bj);
      putStr(' = ');
      putLinear(na, nb);
      if (!last) putStr('; ');
      accL = dest;
      accA = na;
      accB = nb;
    }
  }
  if (kind == CONST_NONE) {
    putChar(0x2e);
    return;
  }
  const c = get(CONST_VAL, v);
  const op = kind == CONST_PLUS ? 0x2b : 0x2a;
  putStr('; so ');
  putChar(L);
  putStr(' = ');
  putInt(c);
  putChar(0x20);
  putChar(op);
  putChar(0x20);
  putChar(S);
  putStr(' = ');
  putBinary(op, 0, c, accA, accB);
  putStr(' = ');
  if (kind == CONST_PLUS) putLinear(accA, c + accB);
  else putLinear(c * accA, c * accB);
  putChar(0x2e);
}

