// Byte-level BPE encode/decode over ids (vocabulary strings live on the TypeScript side).
// Text is split at special tokens first (matched whole, leftmost-longest), then each segment into
// pre-tokenizer pieces, then each piece's bytes are merged by rank, lowest first, like Hugging Face
// tokenizers' BPE model. A per-tokenizer cache remembers the ids of recent pieces: this corpus
// repeats a few thousand words, so most pieces are looked up rather than merged again.
import { pieceEnd } from './pretokenize';

const NO_MERGE: i32 = i32.MAX_VALUE;
const CACHE_SLOTS: i32 = 1 << 14; // power of two
const CACHE_MAX_PIECE: i32 = 24; // bytes; longer pieces are merged every time
const CACHE_MAX_IDS: i32 = 8;

function hashPair(a: i32, b: i32): u32 {
  return <u32>((((<u64>a << 32) | <u64>(<u32>b)) * 0x9e3779b97f4a7c15) >> 40);
}

export class Tokenizer {
  byteIds: StaticArray<i32>;
  // Merge table, open addressing: pair (left, right) -> rank and merged id.
  mergeLeft: StaticArray<i32>;
  mergeRight: StaticArray<i32>;
  mergeRank: StaticArray<i32>;
  mergeResult: StaticArray<i32>;
  mergeMask: u32;
  specialBytes: Uint8Array;
  specialEnds: Int32Array;
  specialIds: Int32Array;
  specialFirst: StaticArray<bool> = new StaticArray<bool>(256);
  tokenBytes: Uint8Array;
  tokenEnds: Int32Array;
  // Scratch for one piece's symbols.
  syms: StaticArray<i32> = new StaticArray<i32>(64);
  // Piece cache: key bytes (up to CACHE_MAX_PIECE), length, ids.
  cacheKey: StaticArray<u8> = new StaticArray<u8>(CACHE_SLOTS * CACHE_MAX_PIECE);
  cacheLen: StaticArray<i32> = new StaticArray<i32>(CACHE_SLOTS);
  cacheCount: StaticArray<i32> = new StaticArray<i32>(CACHE_SLOTS);
  cacheIds: StaticArray<i32> = new StaticArray<i32>(CACHE_SLOTS * CACHE_MAX_IDS);

  constructor(
    byteIds: Int32Array,
    merges: Int32Array,
    specialBytes: Uint8Array,
    specialEnds: Int32Array,
    specialIds: Int32Array,
    tokenBytes: Uint8Array,
    tokenEnds: Int32Array,
  ) {
    const count = merges.length / 3;
    let cap = 16;
    while (cap < count * 2) cap <<= 1;
    this.byteIds = new StaticArray<i32>(256);
    this.mergeLeft = new StaticArray<i32>(cap);
    this.mergeRight = new StaticArray<i32>(cap);
    this.mergeRank = new StaticArray<i32>(cap);
    this.mergeResult = new StaticArray<i32>(cap);
    this.mergeMask = <u32>cap - 1;
    this.specialBytes = specialBytes;
    this.specialEnds = specialEnds;
    this.specialIds = specialIds;
    this.tokenBytes = tokenBytes;
    this.tokenEnds = tokenEnds;
    for (let b = 0; b < 256; b++) this.byteIds[b] = byteIds[b];
    for (let i = 0; i < cap; i++) this.mergeRank[i] = NO_MERGE;
    // Insert in reverse so that, for a pair listed twice, the lowest rank wins.
    for (let r = count - 1; r >= 0; r--) {
      const a = merges[3 * r];
      const b = merges[3 * r + 1];
      let slot = hashPair(a, b) & this.mergeMask;
      while (this.mergeRank[slot] != NO_MERGE && !(this.mergeLeft[slot] == a && this.mergeRight[slot] == b)) {
        slot = (slot + 1) & this.mergeMask;
      }
      this.mergeLeft[slot] = a;
      this.mergeRight[slot] = b;
      this.mergeRank[slot] = r;
      this.mergeResult[slot] = merges[3 * r + 2];
    }
    let start = 0;
    for (let i = 0; i < specialEnds.length; i++) {
      this.specialFirst[specialBytes[start]] = true;
      start = specialEnds[i];
    }
    for (let i = 0; i < CACHE_SLOTS; i++) this.cacheLen[i] = -1;
  }

  /** Slot of the merge of (a, b), or -1. */
  @inline
  findMerge(a: i32, b: i32): i32 {
    let slot = hashPair(a, b) & this.mergeMask;
    while (true) {
      const r = unchecked(this.mergeRank[slot]);
      if (r == NO_MERGE) return -1;
      if (unchecked(this.mergeLeft[slot]) == a && unchecked(this.mergeRight[slot]) == b) return <i32>slot;
      slot = (slot + 1) & this.mergeMask;
    }
  }

  /** Id of the longest special token starting at `p`, with its length in `matchLen`; -1 if none. */
  matchSpecial(buf: usize, p: i32, end: i32): i32 {
    let best = -1;
    let bestLen = 0;
    let start = 0;
    for (let i = 0; i < this.specialEnds.length; i++) {
      const stop = this.specialEnds[i];
      const n = stop - start;
      if (n > bestLen && p + n <= end && memory.compare(buf + p, this.specialBytes.dataStart + start, n) == 0) {
        best = this.specialIds[i];
        bestLen = n;
      }
      start = stop;
    }
    matchLen = bestLen;
    return best;
  }

  encode(text: Uint8Array): Int32Array {
    const buf = text.dataStart;
    const end = text.length;
    const out = new Int32Array(end);
    let n = 0;
    let segment = 0;
    let p = 0;
    while (p < end) {
      if (unchecked(this.specialFirst[load<u8>(buf + p)])) {
        const id = this.matchSpecial(buf, p, end);
        if (id >= 0) {
          n = this.encodeSegment(buf, segment, p, out, n);
          unchecked((out[n++] = id));
          p += matchLen;
          segment = p;
          continue;
        }
      }
      p++;
    }
    n = this.encodeSegment(buf, segment, end, out, n);
    return out.subarray(0, n);
  }

  encodeSegment(buf: usize, p: i32, end: i32, out: Int32Array, n: i32): i32 {
    while (p < end) {
      const q = pieceEnd(buf, p, end);
      n = this.encodePiece(buf, p, q, out, n);
      p = q;
    }
    return n;
  }

  encodePiece(buf: usize, p: i32, q: i32, out: Int32Array, n: i32): i32 {
    const len = q - p;
    if (len == 1) {
      unchecked((out[n++] = this.byteIds[load<u8>(buf + p)]));
      return n;
    }
    let slot = -1;
    if (len <= CACHE_MAX_PIECE) {
      slot = <i32>(hashBytes(buf + p, len) & <u32>(CACHE_SLOTS - 1));
      const keyAt = changetype<usize>(this.cacheKey) + <usize>(slot * CACHE_MAX_PIECE);
      if (unchecked(this.cacheLen[slot]) == len && memory.compare(keyAt, buf + p, len) == 0) {
        const count = unchecked(this.cacheCount[slot]);
        for (let k = 0; k < count; k++) unchecked((out[n++] = this.cacheIds[slot * CACHE_MAX_IDS + k]));
        return n;
      }
    }
    if (this.syms.length < len) this.syms = new StaticArray<i32>(len * 2);
    const syms = this.syms;
    for (let k = 0; k < len; k++) unchecked((syms[k] = this.byteIds[load<u8>(buf + p + k)]));
    const count = this.mergeSymbols(syms, len);
    for (let k = 0; k < count; k++) unchecked((out[n++] = syms[k]));
    if (slot >= 0 && count <= CACHE_MAX_IDS) {
      memory.copy(changetype<usize>(this.cacheKey) + <usize>(slot * CACHE_MAX_PIECE), buf + p, len);
      unchecked((this.cacheLen[slot] = len));
      unchecked((this.cacheCount[slot] = count));
      for (let k = 0; k < count; k++) unchecked((this.cacheIds[slot * CACHE_MAX_IDS + k] = syms[k]));
    }
    return n;
  }

  /** Applies merges to syms[0..len) in rank order (every occurrence of the best pair, left to right); returns the new length. */
  mergeSymbols(syms: StaticArray<i32>, len: i32): i32 {
    while (len > 1) {
      let bestRank = NO_MERGE;
      let bestSlot = -1;
      for (let k = 0; k + 1 < len; k++) {
        const slot = this.findMerge(unchecked(syms[k]), unchecked(syms[k + 1]));
        if (slot >= 0 && unchecked(this.mergeRank[slot]) < bestRank) {
          bestRank = unchecked(this.mergeRank[slot]);
          bestSlot = slot;
        }
      }
      if (bestSlot < 0) break;
      const a = unchecked(this.mergeLeft[bestSlot]);
      const b = unchecked(this.mergeRight[bestSlot]);
      const merged = unchecked(this.mergeResult[bestSlot]);
      let w = 0;
      let k = 0;
      while (k < len) {
        if (k + 1 < len && unchecked(syms[k]) == a && unchecked(syms[k + 1]) == b) {
          unchecked((syms[w++] = merged));
          k += 2;
        } else {
          unchecked((syms[w++] = syms[k]));
          k++;
        }
      }
      len = w;
    }
    return len;
  }

  /** Bytes of the ids; the caller has checked every id is in range. */
  decode(ids: Int32Array): Uint8Array {
    let total = 0;
    for (let i = 0; i < ids.length; i++) total += this.tokenLength(ids[i]);
    const out = new Uint8Array(total);
    let at = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const start = id == 0 ? 0 : this.tokenEnds[id - 1];
      const n = this.tokenEnds[id] - start;
      memory.copy(out.dataStart + at, this.tokenBytes.dataStart + start, n);
      at += n;
    }
    return out;
  }

  tokenLength(id: i32): i32 {
    return this.tokenEnds[id] - (id == 0 ? 0 : this.tokenEnds[id - 1]);
  }

  /** Flat [start, end) byte offsets of the ordinary pieces (special tokens left out), for the trainer. */
  pieces(text: Uint8Array): Int32Array {
    const buf = text.dataStart;
    const end = text.length;
    const out = new Int32Array(end * 2);
    let n = 0;
    let segment = 0;
    let p = 0;
    while (p <= end) {
      let id = -1;
      if (p < end && unchecked(this.specialFirst[load<u8>(buf + p)])) id = this.matchSpecial(buf, p, end);
      if (id >= 0 || p == end) {
        let s = segment;
        while (s < p) {
          const q = pieceEnd(buf, s, p);
          out[n++] = s;
          out[n++] = q;
          s = q;
        }
        if (p == end) break;
        p += matchLen;
        segment = p;
      } else p++;
    }
    return out.subarray(0, n);
  }
}

// Length of the last special-token match (AssemblyScript has no tuples).
let matchLen: i32 = 0;

function hashBytes(p: usize, n: i32): u32 {
  let h: u32 = 0x811c9dc5;
  for (let i = 0; i < n; i++) h = (h ^ load<u8>(p + i)) * 0x01000193;
  return h ^ (h >>> 15);
}
