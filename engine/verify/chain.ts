// Internal consistency of what a solution writes, beyond the value each step ends with. A clause
// chain "L = e1 = e2 = ... = ek" must hold: every expression evaluates (letters by their values at
// that point) to the same value, and where e2 is e1 with its operands written out ("l + W = 21 + 8",
// "(2) * (8*x)"), what is written for a letter must equal the letter's value. Reverse mode's
// closing ("We know D = 68, so we have 17*x = 68 ... x = 68 / 17. Solution: x = 4.") must be a
// run of equations equivalent to the first, and must determine x. A failed check describes itself
// in `issue` (layout below; spans are byte offsets into the text), which the step's value-mismatch
// reason quotes. Every scan here is linear in the text it covers and covers it once.
import { evaluate, letterA, letterB, letterOk, resultA, resultB, resultOk, resultUnreadableLetter, Lookup } from './expr';
import { addWork, at, find, isDigit, isLetter, matchAt, skipSpaces, trimEnd } from './text';

export const ISSUE_CHAIN = 1; // expressions a and b of one chain have different values
export const ISSUE_SUBSTITUTION = 2; // b is written for operand a (a letter or number), whose value (aA, aB) differs
export const ISSUE_UNREADABLE = 3; // expression a cannot be evaluated
export const ISSUE_EQUATION = 4; // closing equation b is not equivalent to equation a
export const ISSUE_DIVISOR = 5; // closing divides by b (value bB), but equation a's x coefficient is aB
export const ISSUE_NO_UNKNOWN = 6; // closing equation a has no x term, so it cannot determine x
export const ISSUE_CLOSING_UNREADABLE = 7; // closing equation a cannot be evaluated (in integers)

/** kind, clause start, clause end, a start, a end, a's value (x coefficient, constant), then the same for b. */
export const ISSUE_SLOTS = 11;
export const issue = new StaticArray<i64>(ISSUE_SLOTS);

function fail(kind: i32, cs: i32, ce: i32, as: i32, ae: i32, aa: i64, ab: i64, bs: i32, be: i32, ba: i64, bb: i64): bool {
  unchecked((issue[0] = kind));
  unchecked((issue[1] = cs));
  unchecked((issue[2] = ce));
  unchecked((issue[3] = as));
  unchecked((issue[4] = ae));
  unchecked((issue[5] = aa));
  unchecked((issue[6] = ab));
  unchecked((issue[7] = bs));
  unchecked((issue[8] = be));
  unchecked((issue[9] = ba));
  unchecked((issue[10] = bb));
  return false;
}

/** Whether checkChain's last evaluation was the chain's last expression (then expr's result is its value). */
export let lastEvaluated = false;

// checkSubstitution's verdicts.
const NOT_WRITTEN_OUT = 0; // the second expression is not the first with its operands written out
const WRITTEN_OUT = 1; // it is, and every operand is written with its value: both have one value
const WRONG = 2; // it is, and an operand is written with another value (issue set)

/** First "=" in [s, e), or e. */
function nextEq(s: i32, e: i32): i32 {
  let i = s;
  while (i < e && at(i) != 61) i++;
  addWork(i - s);
  return i;
}

/**
 * Whether the chain of clause [cs, ce), whose first expression starts at firstS, holds.
 * `checkFirst` is false when the first expression has a dependency error (an unknown letter or a
 * word), which the dependency check reports already. An expression that reads a letter whose own
 * value is unreadable is skipped: that error is reported where the letter was assigned.
 */
export function checkChain(cs: i32, ce: i32, firstS: i32, checkFirst: bool, look: Lookup): bool {
  lastEvaluated = false;
  const firstE = nextEq(firstS, ce);
  let s = firstS;
  let e = firstE;
  if (checkFirst && firstE < ce) {
    const secondE = nextEq(firstE + 1, ce);
    const sub = checkSubstitution(cs, ce, firstS, firstE, firstE + 1, secondE, look);
    if (sub == WRONG) return false;
    if (sub == WRITTEN_OUT) {
      // The first expression has the second's value: evaluate from the second on.
      s = firstE + 1;
      e = secondE;
    }
  }
  let prevOk = false;
  let ps = 0;
  let pe = 0;
  let pa: i64 = 0;
  let pb: i64 = 0;
  while (true) {
    if (s > firstS || checkFirst) {
      evaluate(s, e, look);
      if (resultOk) {
        if (prevOk && (resultA != pa || resultB != pb)) {
          return fail(ISSUE_CHAIN, cs, ce, ps, pe, pa, pb, s, e, resultA, resultB);
        }
        prevOk = true;
        ps = s;
        pe = e;
        pa = resultA;
        pb = resultB;
      } else if (!resultUnreadableLetter) {
        return fail(ISSUE_UNREADABLE, cs, ce, s, e, 0, 0, s, e, 0, 0);
      }
    }
    if (e >= ce) {
      lastEvaluated = s > firstS || checkFirst;
      return true;
    }
    s = e + 1;
    e = nextEq(s, ce);
  }
}

/** The number of at most 13 digits at [s, e), or -1. */
function number(s: i32, e: i32): i64 {
  if (e - s > 13) return -1;
  let v: i64 = 0;
  for (let i = s; i < e; i++) v = v * 10 + <i64>(at(i) - 48);
  return v;
}

/** Index just after the ")" that closes the "(" at i, or -1. */
function closeParen(i: i32, e: i32): i32 {
  let depth = 0;
  for (let j = i; j < e; j++) {
    const c = at(j);
    if (c == 40) depth++;
    else if (c == 41 && --depth == 0) {
      addWork(j - i);
      return j + 1;
    }
  }
  addWork(e - i);
  return -1;
}

/**
 * When [s2, e2) is [s1, e1) with each operand written out (a number, the unknown x, or a group in
 * parentheses, with the same operators and parentheses around them), each operand must be written
 * with its value: WRONG (and the issue set) when one is not. Any other second expression (a
 * simplification, another order) is NOT_WRITTEN_OUT, left to the value chain.
 */
function checkSubstitution(cs: i32, ce: i32, s1: i32, e1: i32, s2: i32, e2: i32, look: Lookup): i32 {
  let i = s1;
  let j = s2;
  let wrong = false;
  let ls = 0;
  let le = 0;
  let la: i64 = 0;
  let lb: i64 = 0;
  let ws = 0;
  let we = 0;
  let wa: i64 = 0;
  let wb: i64 = 0;
  while (true) {
    i = skipSpaces(i, e1);
    j = skipSpaces(j, e2);
    if (i >= e1 || j >= e2) {
      addWork(i - s1 + j - s2);
      if (i < e1 || j < e2) return NOT_WRITTEN_OUT;
      if (!wrong) return WRITTEN_OUT;
      fail(ISSUE_SUBSTITUTION, cs, ce, ls, le, la, lb, ws, we, wa, wb);
      return WRONG;
    }
    const c = at(i);
    const letter = isLetter(c);
    if (!letter && !isDigit(c)) {
      // An operator or parenthesis: the second expression has the same one here.
      if (at(j) != c) return NOT_WRITTEN_OUT;
      i++;
      j++;
      continue;
    }
    // The operand's value.
    const os = i;
    let oa: i64 = 0;
    let ob: i64 = 0;
    if (letter) {
      if (i + 1 < e1 && isLetter(at(i + 1))) return NOT_WRITTEN_OUT; // a word, not an operand
      i++;
      look(c);
      if (!letterOk) return NOT_WRITTEN_OUT;
      oa = letterA;
      ob = letterB;
    } else {
      while (i < e1 && isDigit(at(i))) i++;
      ob = number(os, i);
      if (ob < 0) return NOT_WRITTEN_OUT;
    }
    // What the second expression writes for it.
    const d = at(j);
    const t = j;
    let va: i64 = 0;
    let vb: i64 = 0;
    if (isDigit(d)) {
      while (j < e2 && isDigit(at(j))) j++;
      vb = number(t, j);
      if (vb < 0) return NOT_WRITTEN_OUT;
    } else {
      if (d == 40) {
        j = closeParen(j, e2);
        if (j < 0) return NOT_WRITTEN_OUT;
      } else if (isLetter(d) && !(j + 1 < e2 && isLetter(at(j + 1)))) {
        j++;
      } else {
        return NOT_WRITTEN_OUT;
      }
      evaluate(t, j, look);
      // A letter written for a letter is a renaming, not a value, unless it is the unknown x itself.
      if (!resultOk || (isLetter(d) && (resultA != 1 || resultB != 0))) return NOT_WRITTEN_OUT;
      va = resultA;
      vb = resultB;
    }
    if (!wrong && (va != oa || vb != ob)) {
      wrong = true;
      ls = os;
      le = i;
      la = oa;
      lb = ob;
      ws = t;
      we = j;
      wa = va;
      wb = vb;
    }
  }
}

function gcd(a: i64, b: i64): i64 {
  a = a < 0 ? -a : a;
  b = b < 0 ? -b : b;
  while (b != 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}

/** Whether a*x + b = 0 and c*x + d = 0 have the same solutions (exactly: reduced forms are equal). */
function equivalent(a: i64, b: i64, c: i64, d: i64): bool {
  const g = gcd(a, b);
  const h = gcd(c, d);
  if (g == 0 || h == 0) return g == h;
  a /= g;
  b /= g;
  c /= h;
  d /= h;
  if (a < 0 || (a == 0 && b < 0)) {
    a = -a;
    b = -b;
  }
  if (c < 0 || (c == 0 && d < 0)) {
    c = -c;
    d = -d;
  }
  return a == c && b == d;
}

/** True when [s, e) contains a word (two letters in a row): prose, not an equation. */
function hasWord(s: i32, e: i32): bool {
  for (let i = s; i + 1 < e; i++) {
    if (isLetter(at(i)) && isLetter(at(i + 1))) {
      addWork(i - s);
      return true;
    }
  }
  addWork(e - s);
  return false;
}

/**
 * Reverse mode's closing in [s, e), from "We know": its pieces (split at , : and .) that are
 * equations ("D = 68", "we have 17*x = 68", "5*x - 20 = 0", "x = 68 / 17") must all be equivalent
 * to the first, which must contain x; "Divide both sides by d" must divide by the x coefficient of
 * the equation before it. Prose pieces are skipped. True when nothing is wrong.
 */
export function checkClosing(s: i32, e: i32, look: Lookup): bool {
  const k = find(s, e, 'We know ');
  if (k < 0) return true;
  let haveRef = false;
  let rs = 0;
  let re = 0;
  let ra: i64 = 0;
  let rb: i64 = 0;
  let prevS = -1;
  let prevE = 0;
  let prevA: i64 = 0;
  let p = k;
  while (p < e) {
    let q = p;
    while (q < e && at(q) != 44 && at(q) != 58 && at(q) != 46) q++; // , : .
    addWork(q - p);
    let ps = skipSpaces(p, q);
    let pe = trimEnd(ps, q);
    p = q + 1;
    if (matchAt(ps, pe, 'We know ')) ps += 8;
    else if (matchAt(ps, pe, 'so we have ')) {
      ps += 11;
      const and = find(ps, pe, ' and ');
      if (and >= 0) pe = and;
    }
    if (matchAt(ps, pe, 'Divide both sides by ')) {
      evaluate(ps + 21, pe, look);
      if (prevS >= 0 && resultOk && resultA == 0 && resultB != prevA && resultB != -prevA) {
        return fail(ISSUE_DIVISOR, ps, pe, prevS, prevE, 0, prevA, ps + 21, pe, 0, resultB);
      }
      continue;
    }
    const eq = nextEq(ps, pe);
    if (eq >= pe || nextEq(eq + 1, pe) < pe || hasWord(ps, pe)) continue; // not one equation
    evaluate(ps, eq, look);
    const okL = resultOk;
    const la = resultA;
    const lb = resultB;
    const unreadableL = resultUnreadableLetter;
    evaluate(eq + 1, pe, look);
    if (!okL || !resultOk) {
      if (unreadableL || resultUnreadableLetter) continue; // reported where that letter was assigned
      return fail(ISSUE_CLOSING_UNREADABLE, ps, pe, ps, pe, 0, 0, ps, pe, 0, 0);
    }
    const a = la - resultA;
    const b = lb - resultB;
    if (!haveRef) {
      if (a == 0) return fail(ISSUE_NO_UNKNOWN, ps, pe, ps, pe, a, b, ps, pe, a, b);
      haveRef = true;
      rs = ps;
      re = pe;
      ra = a;
      rb = b;
    } else if (!equivalent(a, b, ra, rb)) {
      return fail(ISSUE_EQUATION, ps, pe, rs, re, ra, rb, ps, pe, a, b);
    }
    prevS = ps;
    prevE = pe;
    prevA = a;
  }
  return true;
}
