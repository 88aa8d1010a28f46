// Parses one solution text (gold or model output, UTF-8 bytes) into a dependency graph whose
// nodes are the "Define <name> as <Letter>" steps. Letters are bound in reading order, so a
// reused letter means whatever it was last bound to. Scratch letters ("c = q + X = 8 + 2 = 10")
// are not nodes: a scratch letter stands for the set of nodes its expression used, so a node that
// reads it depends on those nodes (also through chains of scratch letters, also across steps).
// Every clause chain, and reverse mode's closing, must also be internally consistent (chain.ts).
// One pass over the text, constant work per byte: the parser is linear in the input.
import { Vec } from './vec';
import {
  addWork,
  at,
  find,
  hashName,
  isDefineAt,
  isDigit,
  isLetter,
  isSpace,
  matchAt,
  setBase,
  skipSpaces,
  trimEnd,
} from './text';
import { evaluate, resultA, resultB, resultOk, setLetterValue } from './expr';
import { checkChain, checkClosing, issue, ISSUE_SLOTS, lastEvaluated } from './chain';

/**
 * Most dependencies one step may read; more is a dependency error, which is always right: gold
 * steps read at most 5 (measured on generated problems up to op 30), and a step reading more than
 * its gold step cannot match it. The bound keeps a clause's work small whatever the input.
 */
export const MAX_DEPS = 16;

// Parse flags of a node (or scratch letter). FLAG_UNKNOWN_VAR is information, not an error.
export const FLAG_UNKNOWN_LETTER = 1; // uses a letter that nothing defined before
export const FLAG_BAD_EXPR = 2; // the expression has words or symbols that are not arithmetic
export const FLAG_TOO_MANY_DEPS = 4;
export const FLAG_SO_LETTER = 8; // the "so" clause assigns another letter than the step's own
export const FLAG_NO_SO = 16; // the step has no "so <Letter> = ..." clause
export const FLAG_UNKNOWN_VAR = 32; // reverse mode: "we don't know its value yet" (value is x)
export const FLAG_INCONSISTENT = 64; // a clause chain (or, for the unknown, the closing) does not hold
export const DEP_ERRORS = FLAG_UNKNOWN_LETTER | FLAG_BAD_EXPR | FLAG_TOO_MANY_DEPS | FLAG_SO_LETTER | FLAG_NO_SO;

// Where the answer was found.
export const ANSWER_NONE = 0;
export const ANSWER_TAG = 1; // <answer> N </answer>
export const ANSWER_OPEN_TAG = 2; // <answer> N  (no closing tag)
export const ANSWER_LINE = 3; // Answer: N

export class Graph {
  base: usize = 0;

  // Steps: nodes, plus malformed "Define" heads (malformed = 1) kept for the report.
  nameStart: Vec<i32> = new Vec<i32>(64);
  nameLen: Vec<i32> = new Vec<i32>(64);
  nameHash: Vec<u32> = new Vec<u32>(64);
  malformed: Vec<i32> = new Vec<i32>(64);
  letter: Vec<i32> = new Vec<i32>(64);
  flags: Vec<i32> = new Vec<i32>(64);
  badLetter: Vec<i32> = new Vec<i32>(64);
  valOk: Vec<i32> = new Vec<i32>(64);
  valA: Vec<i64> = new Vec<i64>(64);
  valB: Vec<i64> = new Vec<i64>(64);
  depStart: Vec<i32> = new Vec<i32>(64);
  depCount: Vec<i32> = new Vec<i32>(64);
  /** The step's first inconsistency (chain.ts), as an index into `issues`, or -1. */
  issueAt: Vec<i32> = new Vec<i32>(64);
  /** Inconsistencies, ISSUE_SLOTS numbers each (chain.ts). */
  issues: Vec<i64> = new Vec<i64>(64);
  /** The reverse-mode unknown (the last step whose value is x), or -1. */
  unknown: i32 = -1;

  // Scratch letters.
  sFlags: Vec<i32> = new Vec<i32>(64);
  sBad: Vec<i32> = new Vec<i32>(64);
  sValOk: Vec<i32> = new Vec<i32>(64);
  sValA: Vec<i64> = new Vec<i64>(64);
  sValB: Vec<i64> = new Vec<i64>(64);
  sDepStart: Vec<i32> = new Vec<i32>(64);
  sDepCount: Vec<i32> = new Vec<i32>(64);
  sStamp: Vec<i32> = new Vec<i32>(64); // clause in which the scratch set was last merged

  /** Dependency sets of nodes and scratch letters, as node indices. */
  pool: Vec<i32> = new Vec<i32>(256);
  poolLimit: i32 = 0;

  /** Letter bindings by ASCII code: 0 unbound, k > 0 node k-1, k < 0 scratch -k-1. */
  bind: StaticArray<i32> = new StaticArray<i32>(128);

  answerSource: i32 = ANSWER_NONE;
  answerOk: bool = false;
  answerValue: i64 = 0;

  get steps(): i32 {
    return this.nameStart.length;
  }

  parse(base: usize, len: i32): void {
    this.base = base;
    setBase(base);
    current = this;
    this.reset();
    // Dependency sets may not outgrow the input: a bound on memory whatever the text.
    this.poolLimit = 2 * len + 1024;
    let start = find(0, len, '<solution>');
    start = start < 0 ? 0 : start + 10;
    // One pass for the markers that end the solution; the answer is read from the first of them.
    let closing = -1;
    let tag = -1;
    let line = -1;
    for (let i = start; i < len && tag < 0; i++) {
      const c = at(i);
      if (c == 60 /* < */) {
        if (matchAt(i, len, '<answer>')) tag = i;
        else if (closing < 0 && matchAt(i, len, '</solution>')) closing = i;
      } else if (c == 65 /* A */ && line < 0 && matchAt(i, len, 'Answer:')) {
        line = i;
      }
    }
    if (tag >= 0) this.parseTagAnswer(tag + 8, len);
    else if (line >= 0) {
      this.answerSource = ANSWER_LINE;
      this.parseInteger(line + 7, lineEnd(line + 7, len), false);
    }
    const stop = firstOf(firstOf(firstOf(len, closing), tag), line);
    let pos = start;
    while (true) {
      const k = find(pos, stop, 'Define ');
      if (k < 0) break;
      pos = this.parseStep(k + 7, stop);
    }
    // The closing equations find the unknown's value: an error there is the unknown's.
    if (this.unknown >= 0 && !checkClosing(pos, stop, letterValue)) this.markInconsistent(this.unknown);
  }

  private reset(): void {
    this.nameStart.clear();
    this.nameLen.clear();
    this.nameHash.clear();
    this.malformed.clear();
    this.letter.clear();
    this.flags.clear();
    this.badLetter.clear();
    this.valOk.clear();
    this.valA.clear();
    this.valB.clear();
    this.depStart.clear();
    this.depCount.clear();
    this.issueAt.clear();
    this.issues.clear();
    this.unknown = -1;
    this.sFlags.clear();
    this.sBad.clear();
    this.sValOk.clear();
    this.sValA.clear();
    this.sValB.clear();
    this.sDepStart.clear();
    this.sDepCount.clear();
    this.sStamp.clear();
    this.pool.clear();
    stamp.clear();
    stampGen = 0;
    for (let i = 0; i < 128; i++) unchecked((this.bind[i] = 0));
    this.answerSource = ANSWER_NONE;
    this.answerOk = false;
    this.answerValue = 0;
  }

  /** The answer after "<answer>": up to "</answer>", or for an open tag up to the next tag or line. */
  private parseTagAnswer(c: i32, len: i32): void {
    const close = find(c, len, '</answer>');
    if (close >= 0) {
      this.answerSource = ANSWER_TAG;
      this.parseInteger(c, close, true);
    } else {
      this.answerSource = ANSWER_OPEN_TAG;
      this.parseInteger(c, lineEnd(c, len), true);
    }
  }

  /** An optionally signed integer, then an optional period; `whole`: nothing else may follow. */
  private parseInteger(s: i32, e: i32, whole: bool): void {
    let i = skipSpaces(s, e);
    let neg = false;
    if (i < e && (at(i) == 45 || at(i) == 43)) {
      neg = at(i) == 45;
      i++;
    }
    let v: i64 = 0;
    let digits = 0;
    while (i < e && isDigit(at(i)) && digits <= 15) {
      v = v * 10 + <i64>(at(i) - 48);
      digits++;
      i++;
    }
    if (digits == 0 || digits > 15) return;
    if (i < e && at(i) == 46 /* . */) i++;
    if (whole && skipSpaces(i, e) != e) return;
    if (!whole && i < e && !(at(i) == 32 || at(i) == 60)) return;
    this.answerOk = true;
    this.answerValue = neg ? -v : v;
  }

  /** Parses one step from just after "Define "; returns where scanning resumes. */
  private parseStep(hs: i32, stop: i32): i32 {
    let j = hs;
    while (j < stop) {
      const c = at(j);
      if (c == 59 /* ; */ || c == 46 /* . */ || isDefineAt(j, stop)) break;
      j++;
    }
    addWork(j - hs);
    const headEnd = j;
    let asPos = -1;
    for (let i = headEnd - 4; i >= hs; i--) {
      if (at(i) == 32 && matchAt(i, headEnd, ' as ')) {
        asPos = i;
        break;
      }
    }
    addWork(headEnd - hs);
    let nameS = skipSpaces(hs, headEnd);
    let nameE = asPos < 0 ? headEnd : trimEnd(nameS, asPos);
    const ls = asPos < 0 ? headEnd : skipSpaces(asPos + 4, headEnd);
    const le = trimEnd(ls, headEnd);
    if (asPos < 0 || nameE <= nameS || le != ls + 1 || !isLetter(at(ls))) {
      this.addStep(nameS, trimEnd(nameS, headEnd), 0, true);
      return headEnd;
    }
    const node = this.addStep(nameS, nameE, at(ls), false);
    this.bindLetter(at(ls), node + 1);
    if (headEnd >= stop || at(headEnd) != 59) {
      this.flags.set(node, this.flags.get(node) | FLAG_NO_SO);
      return headEnd < stop && at(headEnd) == 46 ? headEnd + 1 : headEnd;
    }
    let c = headEnd + 1;
    let e = c;
    let done = false;
    do {
      e = c;
      while (e < stop) {
        const x = at(e);
        if (x == 59 || x == 46 || isDefineAt(e, stop)) break;
        e++;
      }
      addWork(e - c);
      if (!done) done = this.parseClause(node, c, e);
      c = e + 1;
    } while (e < stop && at(e) == 59);
    if (!done) this.flags.set(node, this.flags.get(node) | FLAG_NO_SO);
    return e < stop && at(e) == 46 ? e + 1 : e;
  }

  /** One clause of a step; true when it was the step's final ("so ...") clause. */
  private parseClause(node: i32, s: i32, e: i32): bool {
    s = skipSpaces(s, e);
    e = trimEnd(s, e);
    const clauseS = s;
    let final = false;
    if (matchAt(s, e, 'so ')) {
      final = true;
      s = skipSpaces(s + 3, e);
    }
    const eq = skipSpaces(s + 1, e);
    if (s >= e || !isLetter(at(s)) || eq >= e || at(eq) != 61 /* = */) {
      if (final) {
        this.flags.set(node, this.flags.get(node) | FLAG_NO_SO);
        return true;
      }
      if (find(s, e, 'know') < 0) return false; // a clause that is not an assignment is ignored
      // Reverse mode: "Define ... as x; we don't know its value yet ...": the node is x itself.
      this.flags.set(node, this.flags.get(node) | FLAG_UNKNOWN_VAR);
      this.setValue(node, true, 1, 0);
      this.unknown = node;
      return true;
    }
    const target = at(s);
    // Segments: "target = first = ... = last". The first names the inputs, the last is the value.
    const firstS = eq + 1;
    let firstE = e;
    let lastS = firstS;
    for (let i = firstS; i < e; i++) {
      if (at(i) == 61) {
        if (firstE == e) firstE = i;
        lastS = i + 1;
      }
    }
    addWork(e - firstS);
    collectDeps(this, firstS, firstE);
    // Before the target is bound: the chain reads the letters' earlier values ("c = b + c").
    const firstReadable = (depFlags & (FLAG_UNKNOWN_LETTER | FLAG_BAD_EXPR)) == 0;
    if (!checkChain(clauseS, e, firstS, firstReadable, letterValue)) this.markInconsistent(node);
    if (!lastEvaluated) evaluate(lastS, e, letterValue);
    if (final && target == this.letter.get(node)) {
      this.flags.set(node, this.flags.get(node) | depFlags);
      if (this.badLetter.get(node) == 0) this.badLetter.set(node, depBad);
      this.depStart.set(node, this.pool.length);
      this.depCount.set(node, depCount);
      this.storeDeps();
      this.setValue(node, resultOk, resultA, resultB);
      this.bindLetter(target, node + 1);
      return true;
    }
    if (final) this.flags.set(node, this.flags.get(node) | FLAG_SO_LETTER);
    // A scratch letter (or a "so" clause for the wrong letter, kept as scratch).
    const k = this.sFlags.length;
    this.sFlags.push(depFlags);
    this.sBad.push(depBad);
    this.sDepStart.push(this.pool.length);
    this.sDepCount.push(depCount);
    this.sStamp.push(0);
    this.storeDeps();
    this.sValOk.push(resultOk ? 1 : 0);
    this.sValA.push(resultA);
    this.sValB.push(resultB);
    this.bindLetter(target, -k - 1);
    return final;
  }

  /** Records chain.ts's last issue as the step's, unless it has one already. */
  private markInconsistent(node: i32): void {
    this.flags.set(node, this.flags.get(node) | FLAG_INCONSISTENT);
    if (this.issueAt.get(node) >= 0) return;
    this.issueAt.set(node, this.issues.length);
    for (let i = 0; i < ISSUE_SLOTS; i++) this.issues.push(unchecked(issue[i]));
  }

  private storeDeps(): void {
    for (let i = 0; i < depCount; i++) this.pool.push(unchecked(depTmp[i]));
  }

  private setValue(node: i32, ok: bool, a: i64, b: i64): void {
    this.valOk.set(node, ok ? 1 : 0);
    this.valA.set(node, a);
    this.valB.set(node, b);
  }

  @inline private bindLetter(c: i32, v: i32): void {
    unchecked((this.bind[c & 127] = v)); // bind has 128 entries
  }

  private addStep(s: i32, e: i32, letter: i32, malformed: bool): i32 {
    const k = this.nameStart.length;
    this.nameStart.push(s);
    this.nameLen.push(e - s);
    this.nameHash.push(hashName(s, e));
    this.malformed.push(malformed ? 1 : 0);
    this.letter.push(letter);
    this.flags.push(0);
    this.badLetter.push(0);
    this.valOk.push(0);
    this.valA.push(0);
    this.valB.push(0);
    this.depStart.push(this.pool.length);
    this.depCount.push(0);
    this.issueAt.push(-1);
    stamp.push(0);
    return k;
  }
}

@inline function firstOf(a: i32, b: i32): i32 {
  return b >= 0 && b < a ? b : a;
}

/** End of an open answer: the next tag or line break. */
function lineEnd(s: i32, len: i32): i32 {
  let i = s;
  while (i < len && at(i) != 60 && at(i) != 10) i++;
  addWork(i - s);
  return i;
}

// The dependency set being collected for one clause (deduplicated with generation stamps).
let current: Graph = changetype<Graph>(0);
const depTmp = new StaticArray<i32>(MAX_DEPS);
let depCount = 0;
let depFlags = 0;
let depBad = 0;
const stamp = new Vec<i32>(64);
let stampGen = 0;

function addDep(node: i32): void {
  if (stamp.get(node) == stampGen) return;
  if (depCount == MAX_DEPS) {
    depFlags |= FLAG_TOO_MANY_DEPS;
    return;
  }
  stamp.set(node, stampGen);
  unchecked((depTmp[depCount++] = node));
}

/** The nodes that the letters of [s, e) stand for, into depTmp/depCount/depFlags/depBad. */
function collectDeps(g: Graph, s: i32, e: i32): void {
  stampGen++;
  depCount = 0;
  depFlags = 0;
  depBad = 0;
  if (g.pool.length + MAX_DEPS > g.poolLimit) {
    depFlags = FLAG_TOO_MANY_DEPS;
    return;
  }
  addWork(e - s);
  let i = s;
  while (i < e) {
    const c = at(i);
    if (isLetter(c)) {
      let j = i + 1;
      while (j < e && (isLetter(at(j)) || isDigit(at(j)) || at(j) == 95)) j++;
      if (j - i != 1) depFlags |= FLAG_BAD_EXPR;
      else resolveLetter(g, c);
      i = j;
    } else if (isDigit(c)) {
      i++;
    } else if (isSpace(c) || c == 43 || c == 45 || c == 42 || c == 47 || c == 40 || c == 41) {
      i++;
    } else {
      depFlags |= FLAG_BAD_EXPR;
      i++;
    }
  }
}

function resolveLetter(g: Graph, c: i32): void {
  const b = unchecked(g.bind[c]); // c is an ASCII letter, below bind.length (128)
  if (b > 0) {
    addDep(b - 1);
  } else if (b < 0) {
    const k = -b - 1;
    // A scratch letter read twice in one clause adds nothing new the second time; skipping it
    // keeps a clause's work within (distinct letters) x MAX_DEPS, however long the clause.
    if (g.sStamp.get(k) == stampGen) return;
    g.sStamp.set(k, stampGen);
    depFlags |= g.sFlags.get(k);
    if (depBad == 0) depBad = g.sBad.get(k);
    mergeSet(g, g.sDepStart.get(k), g.sDepCount.get(k));
  } else {
    depFlags |= FLAG_UNKNOWN_LETTER;
    if (depBad == 0) depBad = c;
  }
}

/**
 * Adds pool[s, s+n) to the clause's set. This is the verifier's innermost loop, so it reads with
 * unchecked loads: s + n <= pool.length (the set was stored there), and every pool entry is a
 * node index below stamp.length (addStep pushes a stamp for each node); addDep, which writes,
 * stays checked. Nothing here allocates, so the two base pointers stay valid.
 */
function mergeSet(g: Graph, s: i32, n: i32): void {
  addWork(n);
  const poolPtr = changetype<usize>(g.pool.data);
  const stampPtr = changetype<usize>(stamp.data);
  for (let i = 0; i < n; i++) {
    const node = load<i32>(poolPtr + ((<usize>(s + i)) << 2));
    if (load<i32>(stampPtr + ((<usize>node) << 2)) != stampGen) addDep(node);
  }
}

/** The value a letter has at this point of the text (for evaluating a clause's last segment). */
function letterValue(c: i32): void {
  const g = current;
  const b = unchecked(g.bind[c & 127]); // bind has 128 entries
  if (b > 0) setLetterValue(true, g.valOk.get(b - 1) != 0, g.valA.get(b - 1), g.valB.get(b - 1));
  else if (b < 0) setLetterValue(true, g.sValOk.get(-b - 1) != 0, g.sValA.get(-b - 1), g.sValB.get(-b - 1));
  else setLetterValue(false, false, 0, 0);
}
