// 64-bit FNV-1a over UTF-16 code units, printed as 16 hex digits: a stable id for a problem's text.
import { charAt } from './text';

export const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const PRIME: u64 = 0x100000001b3;

/** Folds the buffer's code units [from, to) into h. */
export function fnvRange(h: u64, from: i32, to: i32): u64 {
  for (let i = from; i < to; i++) h = (h ^ <u64>charAt(i)) * PRIME;
  return h;
}

export function fnvChar(h: u64, c: i32): u64 {
  return (h ^ <u64>c) * PRIME;
}
