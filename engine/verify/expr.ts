// Arithmetic of one solution clause segment. Values are linear forms a*x + b with integer
// coefficients: forward solutions only ever have a = 0, reverse-mode solutions carry the unknown
// x symbolically ("2*x + 2"). Evaluation is iterative over tokens with recursion only for
// parentheses and unary minus, bounded by MAX_DEPTH, so no input can overflow the stack; any
// coefficient beyond LIMIT makes the value invalid instead of wrapping around.
import { addWork, at, isDigit, isLetter, isSpace } from './text';

const MAX_DEPTH = 48;
const LIMIT: i64 = 10_000_000_000_000; // 1e13: far above any real value, far below i64 overflow
const MAX_DIGITS = 13;

/** Result of the last `evaluate` call: valid flag and the linear form resultA*x + resultB. */
export let resultOk = false;
export let resultA: i64 = 0;
export let resultB: i64 = 0;
/** The last `evaluate` read a letter that is bound but whose own value was unreadable. */
export let resultUnreadableLetter = false;

/** Looks up the value of a letter; set by the parser before it evaluates. */
export let letterOk = false;
export let letterBound = false;
export let letterA: i64 = 0;
export let letterB: i64 = 0;
export type Lookup = (letter: i32) => void;
let lookup: Lookup = (_: i32): void => {};

/** `bound`: the letter names a step or scratch value (whose value may still be unreadable). */
export function setLetterValue(bound: bool, ok: bool, a: i64, b: i64): void {
  letterBound = bound;
  letterOk = ok;
  letterA = a;
  letterB = b;
}

let pos = 0;
let end = 0;
let bad = false;
let ra: i64 = 0;
let rb: i64 = 0;

/** Evaluates the text [start, stop) as a linear form; see resultOk/resultA/resultB. */
export function evaluate(start: i32, stop: i32, letterValue: Lookup): void {
  pos = start;
  end = stop;
  bad = false;
  resultUnreadableLetter = false;
  lookup = letterValue;
  addWork(stop - start);
  chain(0, false);
  skip();
  resultOk = !bad && pos == end;
  resultA = ra;
  resultB = rb;
}

@inline function skip(): void {
  while (pos < end && isSpace(at(pos))) pos++;
}

@inline function tooBig(v: i64): bool {
  return v > LIMIT || v < -LIMIT;
}

function mul(u: i64, v: i64): i64 {
  if (u == 0 || v == 0) return 0;
  const au = u < 0 ? -u : u;
  const av = v < 0 ? -v : v;
  if (au > LIMIT / av) {
    bad = true;
    return 0;
  }
  return u * v;
}

/** A chain of operands joined by + - (additive) or by * / (multiplicative). */
function chain(depth: i32, multiplicative: bool): void {
  operand(depth, multiplicative);
  while (!bad) {
    skip();
    if (pos >= end) break;
    const op = at(pos);
    if (multiplicative ? op != 42 /* * */ && op != 47 /* / */ : op != 43 /* + */ && op != 45 /* - */) break;
    pos++;
    const a = ra;
    const b = rb;
    operand(depth, multiplicative);
    if (!bad) combine(op, a, b);
  }
}

@inline function operand(depth: i32, multiplicative: bool): void {
  if (multiplicative) factor(depth);
  else chain(depth, true);
}

/** (a*x + b) op (ra*x + rb), into ra/rb. */
function combine(op: i32, a: i64, b: i64): void {
  if (op == 43 || op == 45) {
    const s: i64 = op == 43 ? 1 : -1;
    ra = a + s * ra;
    rb = b + s * rb;
  } else if (op == 42) {
    if (a != 0 && ra != 0) {
      bad = true; // x * x is not linear
      return;
    }
    const na = mul(a, rb) + mul(ra, b);
    rb = mul(b, rb);
    ra = na;
  } else {
    // Only exact division by a constant keeps integer coefficients.
    if (ra != 0 || rb == 0 || a % rb != 0 || b % rb != 0) {
      bad = true;
      return;
    }
    ra = a / rb;
    rb = b / rb;
  }
  if (tooBig(ra) || tooBig(rb)) bad = true;
}

function factor(depth: i32): void {
  ra = 0;
  rb = 0;
  skip();
  if (pos >= end || depth > MAX_DEPTH) {
    bad = true;
    return;
  }
  const c = at(pos);
  if (c == 45 /* - */) {
    pos++;
    factor(depth + 1);
    ra = -ra;
    rb = -rb;
  } else if (c == 40 /* ( */) {
    pos++;
    chain(depth + 1, false);
    skip();
    if (pos < end && at(pos) == 41 /* ) */) pos++;
    else bad = true;
  } else if (isDigit(c)) {
    let n: i64 = 0;
    let digits = 0;
    while (pos < end && isDigit(at(pos))) {
      n = n * 10 + <i64>(at(pos) - 48);
      pos++;
      if (++digits > MAX_DIGITS) {
        bad = true;
        return;
      }
    }
    rb = n;
  } else if (isLetter(c) && !(pos + 1 < end && isLetter(at(pos + 1)))) {
    pos++;
    lookup(c);
    if (!letterOk) {
      bad = true;
      if (letterBound) resultUnreadableLetter = true;
    }
    ra = letterA;
    rb = letterB;
  } else {
    bad = true;
  }
}
