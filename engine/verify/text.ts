// Byte-level scanning over the UTF-8 text being parsed. Every helper takes an explicit end index
// and never reads at or past it, so no input can make the parser read outside its buffer.
// Literals passed to these helpers are ASCII keywords, so a byte comparison matches them exactly.

/** Start of the text currently being parsed (set by the parser before each parse). */
export let base: usize = 0;

export function setBase(p: usize): void {
  base = p;
}

/**
 * Units of work since resetWork(): every loop that scans text or a set adds its trip count once,
 * when it ends (so counting costs nothing per byte). Linear parsing keeps it a small multiple of
 * the input's length whatever the text; tests compare it across input sizes instead of timing.
 */
export let work: i64 = 0;

@inline export function addWork(n: i32): void {
  work += <i64>n;
}

export function resetWork(): void {
  work = 0;
}

@inline export function at(i: i32): i32 {
  return <i32>load<u8>(base + <usize>i);
}

@inline export function isLetter(c: i32): bool {
  return <u32>((c | 32) - 97) < 26;
}

@inline export function isDigit(c: i32): bool {
  return <u32>(c - 48) < 10;
}

@inline export function isSpace(c: i32): bool {
  return c == 32 || c == 9 || c == 10 || c == 13;
}

/** Code unit k of a literal (no bounds check: callers stay below lit.length). */
@inline function litAt(lit: string, k: i32): i32 {
  return <i32>load<u16>(changetype<usize>(lit) + ((<usize>k) << 1));
}

/** True when `lit` occurs at `i` and ends at or before `end`. */
export function matchAt(i: i32, end: i32, lit: string): bool {
  const n = lit.length;
  if (i < 0 || end - i < n) return false;
  for (let k = 0; k < n; k++) if (at(i + k) != litAt(lit, k)) return false;
  return true;
}

/** First index of `lit` in [from, end), or -1. Linear: literals are a few bytes long. */
export function find(from: i32, end: i32, lit: string): i32 {
  const first = litAt(lit, 0);
  const stop = end - lit.length;
  const s = max(from, 0);
  for (let i = s; i <= stop; i++) {
    if (at(i) == first && matchAt(i, end, lit)) {
      addWork(i - s + 1);
      return i;
    }
  }
  addWork(max(stop - s + 1, 0));
  return -1;
}

/** True when "Define " starts at i (a step boundary; the parser stops clauses there). */
@inline export function isDefineAt(i: i32, end: i32): bool {
  return at(i) == 68 /* D */ && matchAt(i, end, 'Define ');
}

export function skipSpaces(i: i32, end: i32): i32 {
  const s = i;
  while (i < end && isSpace(at(i))) i++;
  addWork(i - s);
  return i;
}

export function trimEnd(start: i32, end: i32): i32 {
  const e = end;
  while (end > start && isSpace(at(end - 1))) end--;
  addWork(e - end);
  return end;
}

// Parameter names are compared with every run of white space read as one space (names are
// trimmed first), so "adult  owl" names the same parameter as "adult owl".

/** FNV-1a over the name in [start, end), white-space runs hashed as one space. */
export function hashName(start: i32, end: i32): u32 {
  let h: u32 = 2166136261;
  addWork(end - start);
  for (let i = start; i < end; i++) {
    let c = at(i);
    if (isSpace(c)) {
      while (i + 1 < end && isSpace(at(i + 1))) i++;
      c = 32;
    }
    h = (h ^ <u32>c) * 16777619;
  }
  return h;
}

/** Whether two trimmed names, which may lie in different buffers, are the same name. */
export function sameName(a: usize, aLen: i32, b: usize, bLen: i32): bool {
  let i = 0;
  let j = 0;
  addWork(min(aLen, bLen));
  while (i < aLen && j < bLen) {
    const x = <i32>load<u8>(a + <usize>i);
    const y = <i32>load<u8>(b + <usize>j);
    if (isSpace(x) && isSpace(y)) {
      while (i < aLen && isSpace(<i32>load<u8>(a + <usize>i))) i++;
      while (j < bLen && isSpace(<i32>load<u8>(b + <usize>j))) j++;
      continue;
    }
    if (x != y) return false;
    i++;
    j++;
  }
  return i == aLen && j == bLen;
}
