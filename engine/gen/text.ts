// One growing UTF-16 buffer outside the GC heap: the generator writes a whole batch of records into
// it, and the host decodes the buffer in one go (no string is built in WebAssembly at all).
let buf: usize = heap.alloc(1 << 16);
let cap: i32 = 1 << 15; // in UTF-16 code units
export let len: i32 = 0;

export function reset(): void {
  len = 0;
}

function reserve(extra: i32): void {
  if (len + extra <= cap) return;
  while (len + extra > cap) cap <<= 1;
  buf = heap.realloc(buf, <usize>cap << 1);
}

export function putStr(s: string): void {
  const n = s.length;
  reserve(n);
  memory.copy(buf + (<usize>len << 1), changetype<usize>(s), <usize>n << 1);
  len += n;
}

export function putChar(c: i32): void {
  reserve(1);
  store<u16>(buf + (<usize>len << 1), <u16>c);
  len++;
}

export function putInt(v: i32): void {
  if (v < 0) {
    putChar(0x2d);
    v = -v;
  }
  let digits = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  reserve(digits);
  for (let i = digits - 1; i >= 0; i--) {
    store<u16>(buf + (<usize>(len + i) << 1), <u16>(0x30 + v % 10));
    v /= 10;
  }
  len += digits;
}

/** Code unit at position i. */
export function charAt(i: i32): i32 {
  return load<u16>(buf + (<usize>i << 1));
}

/** Copies [from, to) to the end of the buffer. */
export function putRange(from: i32, to: i32): void {
  reserve(to - from);
  memory.copy(buf + (<usize>len << 1), buf + (<usize>from << 1), <usize>(to - from) << 1);
  len += to - from;
}

export function truncate(to: i32): void {
  len = to;
}

/** Where the text starts in linear memory (valid until the next write). */
export function textPointer(): usize {
  return buf;
}
