// Judges one model output against the current gold solution, node by node (nodes matched by
// parameter name): value mismatch, dependency mismatch, missing node, extra step, answer.
// The gold is parsed once and kept, so many outputs against one gold (an RL group) cost one
// gold parse. Results go to a reusable f64 buffer whose layout is documented in layout.ts.
import { Vec } from './vec';
import { DEP_ERRORS, FLAG_INCONSISTENT, Graph } from './graph';
import { ISSUE_SLOTS } from './chain';
import { addWork, resetWork, sameName, work } from './text';
import * as L from './layout';

/** Longest text (UTF-8 bytes) judged; longer gold or output is answered "too long". */
export const MAX_BYTES: i32 = 2 << 20;
/** At most this many output steps are itemized in a detailed verdict (all are counted). */
export const MAX_DETAIL_STEPS: i32 = 2000;
const LIMIT_F: f64 = 1e15;

const gold = new Graph();
const out = new Graph();
let goldBuf = new StaticArray<u8>(1024);
let inputBuf = new StaticArray<u8>(1024);
let goldState = L.GOLD_NONE;
let expectedOk = false;
let expected: i64 = 0;
let goldIssues = 0;

const goldId = new Vec<i32>(64); // gold step -> canonical node id, or -1 (malformed step)
const canon = new Vec<i32>(64); // canonical node id -> its gold step
let table = new StaticArray<i32>(64); // open addressing: gold step + 1, 0 = empty
const outId = new Vec<i32>(64); // output step -> canonical node id, or -1
const outKind = new Vec<i32>(64);
const matched = new Vec<i32>(64); // canonical node id -> output step, or -1
const mark = new Vec<i32>(64);
const seen = new Vec<i32>(64);
let markGen = 0;
const results = new Vec<f64>(256);

/** A buffer of at least `bytes` bytes (clamped to what can be judged) for the next text. */
export function inputBuffer(bytes: i32): usize {
  const want = min(max(bytes, 0), MAX_BYTES + 8);
  if (want > inputBuf.length) inputBuf = new StaticArray<u8>(want);
  return changetype<usize>(inputBuf);
}

export function resultsBuffer(): usize {
  return changetype<usize>(results.data);
}

/** Takes the text in the input buffer as the gold solution; returns a GOLD_* state. */
export function setGold(len: i32, hasAnswer: bool, answer: f64): i32 {
  goldState = L.GOLD_NONE;
  if (len < 0 || len > inputBuf.length) return goldState;
  if (len > MAX_BYTES) return (goldState = L.GOLD_TOO_LONG);
  if (len > goldBuf.length) goldBuf = new StaticArray<u8>(len);
  memory.copy(changetype<usize>(goldBuf), changetype<usize>(inputBuf), <usize>len);
  gold.parse(changetype<usize>(goldBuf), len);
  indexGold();
  if (hasAnswer && Math.abs(answer) <= LIMIT_F && Math.floor(answer) == answer) {
    expectedOk = true;
    expected = <i64>answer;
  } else {
    expectedOk = gold.answerOk;
    expected = gold.answerValue;
  }
  if (canon.length == 0) goldState = L.GOLD_NO_STEPS;
  else if (!expectedOk) goldState = L.GOLD_NO_ANSWER;
  else goldState = L.GOLD_OK;
  return goldState;
}

function indexGold(): void {
  const n = gold.steps;
  let size = 64;
  while (size < 2 * n) size <<= 1;
  if (size > table.length) table = new StaticArray<i32>(size);
  else size = table.length;
  for (let i = 0; i < size; i++) unchecked((table[i] = 0));
  goldId.clear();
  canon.clear();
  goldIssues = 0;
  for (let i = 0; i < n; i++) {
    if (gold.malformed.get(i) != 0) {
      goldId.push(-1);
      continue;
    }
    const found = lookup(gold, i);
    if (found >= 0) {
      goldId.push(goldId.get(found));
      continue;
    }
    insert(i);
    goldId.push(canon.length);
    canon.push(i);
    if ((gold.flags.get(i) & (DEP_ERRORS | FLAG_INCONSISTENT)) != 0 || gold.valOk.get(i) == 0) goldIssues++;
  }
}

function insert(step: i32): void {
  const mask = table.length - 1;
  let h = <i32>gold.nameHash.get(step) & mask;
  while (table[h] != 0) h = (h + 1) & mask;
  table[h] = step + 1;
}

/** The gold step with the same name as step `i` of graph `g`, or -1. */
function lookup(g: Graph, i: i32): i32 {
  const mask = table.length - 1;
  const hash = g.nameHash.get(i);
  const ptr = g.base + <usize>g.nameStart.get(i);
  const len = g.nameLen.get(i);
  let h = <i32>hash & mask;
  while (true) {
    addWork(1);
    const e = table[h];
    if (e == 0) return -1;
    const s = e - 1;
    if (gold.nameHash.get(s) == hash && sameName(gold.base + <usize>gold.nameStart.get(s), gold.nameLen.get(s), ptr, len)) return s;
    h = (h + 1) & mask;
  }
}

/** Judges the text in the input buffer; returns the number of result slots written. */
export function judge(len: i32, detail: bool): i32 {
  results.clear();
  resetWork();
  for (let i = 0; i < L.HEADER; i++) results.push(0);
  if (goldState != L.GOLD_OK) return header(L.STATUS_BAD_GOLD);
  if (len > MAX_BYTES || len < 0 || len > inputBuf.length) return header(L.STATUS_TOO_LONG);
  out.parse(changetype<usize>(inputBuf), len);
  const n = canon.length;
  const m = out.steps;
  addWork(2 * n + m);
  matched.clear();
  for (let c = 0; c < n; c++) matched.push(-1);
  outId.clear();
  outKind.clear();
  let extra = 0;
  for (let o = 0; o < m; o++) {
    let id = -1;
    let kind = L.STEP_MALFORMED;
    if (out.malformed.get(o) == 0) {
      const s = lookup(out, o);
      id = s >= 0 ? goldId.get(s) : -1;
      kind = id < 0 ? L.STEP_NOT_IN_GOLD : matched.get(id) >= 0 ? L.STEP_DUPLICATE : L.STEP_MATCHED;
      if (kind == L.STEP_MATCHED) matched.set(id, o);
    }
    if (kind != L.STEP_MATCHED) extra++;
    outId.push(id);
    outKind.push(kind);
  }
  while (mark.length < n) mark.push(0);
  while (seen.length < n) seen.push(0);
  let valueBad = 0;
  let depBad = 0;
  let missing = 0;
  for (let c = 0; c < n; c++) {
    const o = matched.get(c);
    let issues = 0;
    if (o < 0) {
      issues = L.ISSUE_MISSING;
      missing++;
    } else {
      if (!sameValue(canon.get(c), o)) issues |= L.ISSUE_VALUE;
      if (!sameDeps(canon.get(c), o)) issues |= L.ISSUE_DEPENDENCY;
      if (issues & L.ISSUE_VALUE) valueBad++;
      if (issues & L.ISSUE_DEPENDENCY) depBad++;
    }
    if (detail) {
      results.push(<f64>issues);
      results.push(<f64>o);
    }
  }
  const answerCorrect = out.answerOk && out.answerValue == expected;
  results.set(L.H_GOLD_NODES, <f64>n);
  results.set(L.H_OUTPUT_STEPS, <f64>m);
  results.set(L.H_VALUE_MISMATCHES, <f64>valueBad);
  results.set(L.H_DEPENDENCY_MISMATCHES, <f64>depBad);
  results.set(L.H_MISSING, <f64>missing);
  results.set(L.H_EXTRA, <f64>extra);
  results.set(L.H_ANSWER_SOURCE, <f64>out.answerSource);
  results.set(L.H_ANSWER_PARSED, out.answerOk ? 1 : 0);
  results.set(L.H_ANSWER_VALUE, <f64>out.answerValue);
  results.set(L.H_ANSWER_CORRECT, answerCorrect ? 1 : 0);
  if (detail) {
    const listed = min(m, MAX_DETAIL_STEPS);
    results.set(L.H_LISTED_STEPS, <f64>listed);
    for (let o = 0; o < listed; o++) stepRecord(out, o, outKind.get(o), outId.get(o), true);
  }
  return header(L.STATUS_OK);
}

function header(status: i32): i32 {
  results.set(L.H_STATUS, <f64>status);
  results.set(L.H_EXPECTED_ANSWER, <f64>expected);
  results.set(L.H_GOLD_ISSUES, <f64>goldIssues);
  return results.length;
}

/** Work units of the last judgement (text.ts): linear in the output, whatever its shape. */
export function lastWork(): f64 {
  return <f64>work;
}

/** Same value as the gold, and no clause of the output step contradicts itself. */
function sameValue(g: i32, o: i32): bool {
  return (
    (out.flags.get(o) & FLAG_INCONSISTENT) == 0 &&
    gold.valOk.get(g) != 0 &&
    out.valOk.get(o) != 0 &&
    gold.valA.get(g) == out.valA.get(o) &&
    gold.valB.get(g) == out.valB.get(o)
  );
}

/** Same set of canonical gold nodes on both sides, and no parse error on either. */
function sameDeps(g: i32, o: i32): bool {
  if ((gold.flags.get(g) & DEP_ERRORS) != 0 || (out.flags.get(o) & DEP_ERRORS) != 0) return false;
  if (markGen == i32.MAX_VALUE) {
    // Generations must never repeat while a stale mark could still hold the same number.
    for (let i = 0; i < mark.length; i++) mark.set(i, 0);
    for (let i = 0; i < seen.length; i++) seen.set(i, 0);
    markGen = 0;
  }
  const gen = ++markGen;
  let want = 0;
  let s = gold.depStart.get(g);
  let k = gold.depCount.get(g);
  addWork(k + out.depCount.get(o));
  for (let i = 0; i < k; i++) {
    const id = goldId.get(gold.pool.get(s + i));
    if (mark.get(id) != gen) {
      mark.set(id, gen);
      want++;
    }
  }
  let got = 0;
  s = out.depStart.get(o);
  k = out.depCount.get(o);
  for (let i = 0; i < k; i++) {
    const id = outId.get(out.pool.get(s + i));
    if (id < 0 || mark.get(id) != gen) return false;
    if (seen.get(id) != gen) {
      seen.set(id, gen);
      got++;
    }
  }
  return got == want;
}

/** Writes the canonical gold nodes (names, values, dependencies); returns the slots written. */
export function goldInfo(): i32 {
  results.clear();
  for (let i = 0; i < L.HEADER; i++) results.push(0);
  results.set(L.H_GOLD_NODES, <f64>canon.length);
  for (let c = 0; c < canon.length; c++) stepRecord(gold, canon.get(c), L.STEP_MATCHED, c, false);
  return header(goldState == L.GOLD_OK ? L.STATUS_OK : L.STATUS_BAD_GOLD);
}

/** Step record: see layout.ts. Dependencies are canonical gold ids, or -(k+1) for output step k. */
function stepRecord(g: Graph, i: i32, kind: i32, id: i32, isOutput: bool): void {
  results.push(<f64>kind);
  results.push(<f64>id);
  results.push(<f64>g.nameStart.get(i));
  results.push(<f64>g.nameLen.get(i));
  results.push(<f64>g.letter.get(i));
  results.push(<f64>g.flags.get(i));
  results.push(<f64>g.badLetter.get(i));
  results.push(<f64>g.valOk.get(i));
  results.push(<f64>g.valA.get(i));
  results.push(<f64>g.valB.get(i));
  const s = g.depStart.get(i);
  const k = g.depCount.get(i);
  results.push(<f64>k);
  const at = g.issueAt.get(i);
  results.push(at < 0 ? 0 : ISSUE_SLOTS);
  if (at >= 0) for (let j = 0; j < ISSUE_SLOTS; j++) results.push(<f64>g.issues.get(at + j));
  for (let j = 0; j < k; j++) {
    const d = g.pool.get(s + j);
    const mapped = isOutput ? outId.get(d) : goldId.get(d);
    results.push(<f64>(mapped >= 0 ? mapped : -d - 1));
  }
}
