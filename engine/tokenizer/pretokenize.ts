// The pre-tokenizer: splits UTF-8 bytes into pieces exactly as the regex PRE_TOKENIZER_REGEX
// (written into tokenizer.json for Hugging Face tokenizers) does, scanning bytes instead of running
// a regex engine:
//   's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}{1,3}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// That is GPT-2's pattern with numbers cut into chunks of at most three digits. Bytes that are not
// valid UTF-8 count as one "other" character each, so every byte string splits (and round-trips).
import { LETTER_RANGES, NUMBER_RANGES } from './unicode-tables';

export const CLASS_OTHER: u8 = 0;
export const CLASS_LETTER: u8 = 1;
export const CLASS_NUMBER: u8 = 2;
export const CLASS_SPACE: u8 = 3;

const MAX_DIGITS: i32 = 3;

// Class of each ASCII byte.
const ASCII_CLASS = new StaticArray<u8>(128);
for (let c = 0; c < 128; c++) {
  let k = CLASS_OTHER;
  if ((c >= 65 && c <= 90) || (c >= 97 && c <= 122)) k = CLASS_LETTER;
  else if (c >= 48 && c <= 57) k = CLASS_NUMBER;
  else if (c == 32 || (c >= 9 && c <= 13)) k = CLASS_SPACE;
  ASCII_CLASS[c] = k;
}

function inRanges(table: StaticArray<u32>, cp: u32): bool {
  let lo = 0;
  let hi = table.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (cp < unchecked(table[2 * mid])) hi = mid - 1;
    else if (cp > unchecked(table[2 * mid + 1])) lo = mid + 1;
    else return true;
  }
  return false;
}

// Unicode White_Space beyond ASCII (what \s matches in Oniguruma's Unicode mode).
function isUnicodeSpace(cp: u32): bool {
  return (
    cp == 0x85 || cp == 0xa0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200a) || cp == 0x2028 || cp == 0x2029 ||
    cp == 0x202f || cp == 0x205f || cp == 0x3000
  );
}

function classOf(cp: u32): u8 {
  if (cp < 128) return unchecked(ASCII_CLASS[cp]);
  if (isUnicodeSpace(cp)) return CLASS_SPACE;
  if (inRanges(LETTER_RANGES, cp)) return CLASS_LETTER;
  if (inRanges(NUMBER_RANGES, cp)) return CLASS_NUMBER;
  return CLASS_OTHER;
}

// Decoding state of the character at a position: its class and its length in bytes.
let charClass: u8 = 0;
let charLen: i32 = 0;

/** Decodes the character at `p` (< end) into charClass/charLen; an invalid sequence is one byte of class other. */
function readChar(buf: usize, p: i32, end: i32): void {
  const b0 = <u32>load<u8>(buf + p);
  if (b0 < 0x80) {
    charClass = unchecked(ASCII_CLASS[b0]);
    charLen = 1;
    return;
  }
  let need = 0;
  let cp: u32 = 0;
  let min: u32 = 0;
  if (b0 >= 0xc2 && b0 <= 0xdf) {
    need = 1;
    cp = b0 & 0x1f;
    min = 0x80;
  } else if (b0 >= 0xe0 && b0 <= 0xef) {
    need = 2;
    cp = b0 & 0x0f;
    min = 0x800;
  } else if (b0 >= 0xf0 && b0 <= 0xf4) {
    need = 3;
    cp = b0 & 0x07;
    min = 0x10000;
  }
  charClass = CLASS_OTHER;
  charLen = 1;
  if (need == 0 || p + need >= end) return;
  for (let k = 1; k <= need; k++) {
    const b = <u32>load<u8>(buf + p + k);
    if ((b & 0xc0) != 0x80) return;
    cp = (cp << 6) | (b & 0x3f);
  }
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return;
  charClass = classOf(cp);
  charLen = need + 1;
}

/** End of the run of characters of class `k` starting at `p`, at most `limit` characters long. */
function runEnd(buf: usize, p: i32, end: i32, k: u8, limit: i32): i32 {
  let n = 0;
  while (p < end && n < limit) {
    readChar(buf, p, end);
    if (charClass != k) break;
    p += charLen;
    n++;
  }
  return p;
}

function contractionLength(buf: usize, p: i32, end: i32): i32 {
  if (p + 1 >= end) return 0;
  const a = load<u8>(buf + p + 1);
  if (a == 0x73 || a == 0x74 || a == 0x6d || a == 0x64) return 2; // 's 't 'm 'd
  if (p + 2 >= end) return 0;
  const b = load<u8>(buf + p + 2);
  if ((a == 0x72 && b == 0x65) || (a == 0x76 && b == 0x65) || (a == 0x6c && b == 0x6c)) return 3; // 're 've 'll
  return 0;
}

/** End of the piece that starts at `p` in the segment ending at `end` (p < end). */
export function pieceEnd(buf: usize, p: i32, end: i32): i32 {
  const b0 = load<u8>(buf + p);
  if (b0 == 0x27) {
    const n = contractionLength(buf, p, end);
    if (n > 0) return p + n;
  }
  let start = p;
  if (b0 == 0x20 && p + 1 < end) {
    // " ?X": an optional space glued to a following letter, number or other run.
    readChar(buf, p + 1, end);
    if (charClass != CLASS_SPACE) start = p + 1;
  }
  readChar(buf, start, end);
  const k = charClass;
  if (k == CLASS_LETTER || k == CLASS_OTHER) return runEnd(buf, start, end, k, i32.MAX_VALUE);
  if (k == CLASS_NUMBER) return runEnd(buf, start, end, k, MAX_DIGITS);
  // Whitespace: the whole run at the end of the segment; before other text, all of it but its last
  // character (which then leads the next piece), unless the run is a single character.
  let q = p;
  let last = p;
  while (q < end) {
    readChar(buf, q, end);
    if (charClass != CLASS_SPACE) break;
    last = q;
    q += charLen;
  }
  if (q == end || last == p) return q;
  return last;
}
