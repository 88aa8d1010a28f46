// One growing UTF-8 buffer outside the GC heap: the generator writes a whole batch of records into
// it, and the host decodes the buffer in one go (no string is built in WebAssembly at all). UTF-8,
// not UTF-16: the text is almost all ASCII, and decoding half the bytes is most of the host's cost.
// While `hashing` is on, every code unit written is also folded into the 64-bit FNV-1a `hash`
// (over UTF-16 code units, so a problem's id does not depend on this encoding).
let buf: usize = heap.alloc(1 << 16);
let cap: i32 = 1 << 16; // in bytes
export let len: i32 = 0;

export const FNV_OFFSET: u64 = 0xcbf29ce484222325;
const FNV_PRIME: u64 = 0x100000001b3;
export let hash: u64 = FNV_OFFSET;
export let hashing = false;

export function reset(): void {
  len = 0;
}

/** Starts (or stops) folding what is written into `hash`. */
export function hashFrom(on: bool, h: u64): void {
  hashing = on;
  hash = h;
}

function reserve(extra: i32): void {
  if (len + extra <= cap) return;
  while (len + extra > cap) cap <<= 1;
  buf = heap.realloc(buf, <usize>cap);
}

export function putStr(s: string): void {
  const n = s.length;
  reserve(n * 3);
  const p = changetype<usize>(s);
  for (let i = 0; i < n; i++) unit(<i32>load<u16>(p + (<usize>i << 1)));
}

/** One UTF-16 code unit (no surrogates: every template name is in the Basic Multilingual Plane). */
export function putChar(c: i32): void {
  reserve(3);
  unit(c);
}

@inline
function unit(c: i32): void {
  if (hashing) hash = (hash ^ <u64>c) * FNV_PRIME;
  const at = buf + <usize>len;
  if (c < 0x80) {
    store<u8>(at, <u8>c);
    len++;
  } else if (c < 0x800) {
    store<u8>(at, <u8>(0xc0 | (c >> 6)));
    store<u8>(at + 1, <u8>(0x80 | (c & 0x3f)));
    len += 2;
  } else {
    store<u8>(at, <u8>(0xe0 | (c >> 12)));
    store<u8>(at + 1, <u8>(0x80 | ((c >> 6) & 0x3f)));
    store<u8>(at + 2, <u8>(0x80 | (c & 0x3f)));
    len += 3;
  }
}

export function putInt(v: i32): void {
  if (v < 0) {
    putChar(0x2d);
    v = -v;
  }
  let digits = 1;
  for (let t = v; t >= 10; t /= 10) digits++;
  reserve(digits);
  let p = 1;
  for (let i = 1; i < digits; i++) p *= 10;
  for (; p > 0; p /= 10) unit(0x30 + (v / p) % 10);
}

/** Where the text starts in linear memory (valid until the next write). */
export function textPointer(): usize {
  return buf;
}
