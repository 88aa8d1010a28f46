// The verifier's WebAssembly surface. The host writes UTF-8 text into inputBuffer(), then calls
// verifySetGold (once per gold) and verifyJudge (once per output); results are read from
// verifyResults() as f64 slots (layout.ts). No input can make these trap: lengths are clamped,
// every read is bounds-checked, and texts longer than MAX_BYTES are answered "too long".
import { goldInfo, inputBuffer, judge, lastWork, MAX_BYTES, resultsBuffer, setGold } from './judge';
import { HEADER, STEP_FIXED } from './layout';

export function verifyInput(bytes: i32): usize {
  return inputBuffer(bytes);
}

export function verifySetGold(len: i32, hasAnswer: bool, answer: f64): i32 {
  return setGold(len, hasAnswer, answer);
}

export function verifyJudge(len: i32, detail: bool): i32 {
  return judge(len, detail);
}

export function verifyGoldInfo(): i32 {
  return goldInfo();
}

/** Work units of the last verifyJudge (text.ts): tests check that it grows linearly with the input. */
export function verifyWork(): f64 {
  return lastWork();
}

export function verifyResults(): usize {
  return resultsBuffer();
}

/** [max bytes, header slots, fixed step-record slots]: lets the host check its mirror. */
export function verifyLayout(which: i32): i32 {
  return which == 0 ? MAX_BYTES : which == 1 ? HEADER : STEP_FIXED;
}
