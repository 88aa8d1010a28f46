// Byte-level BPE training: count the pre-tokenizer's pieces of a corpus (the engine splits them,
// the same code that encodes), then repeatedly merge the most frequent adjacent pair of tokens
// until the vocabulary has the target size or no pair occurs `minFrequency` times. Pair counts are
// updated incrementally (only the words holding the merged pair are touched), and a max-heap with
// lazy invalidation picks the best pair, so a ~2.2K vocabulary trains in well under a second on a
// few MB of this project's corpus. Ties go to the pair of smaller ids: the result is deterministic.
import { SPECIAL_TOKENS, type BpeModel } from './tokenizer-json.js';
import { Tokenizer } from './tokenizer.js';

export interface TrainOptions {
  /** Total ids, special tokens and the 256 bytes included (default 2200). */
  vocabSize?: number;
  /** A pair seen fewer times than this is never merged (default 2). */
  minFrequency?: number;
  specialTokens?: readonly string[];
}

export const DEFAULT_VOCAB_SIZE = 2200;

const utf8 = new TextEncoder();
const MAX_IDS = 1 << 16; // pair keys pack two ids below 2^16; shards store uint16 anyway

/** A model with the special tokens and the 256 bytes and no merges (ids: specials, then bytes). */
export function baseModel(specialTokens: readonly string[] = SPECIAL_TOKENS): BpeModel {
  const special = specialTokens.map((content, id) => ({ id, content }));
  const tokens = [
    ...special.map((s) => utf8.encode(s.content)),
    ...Array.from({ length: 256 }, (_, b) => Uint8Array.of(b)),
  ];
  return { tokens, merges: [], special };
}

export async function trainTokenizer(texts: Iterable<string>, options: TrainOptions = {}): Promise<Tokenizer> {
  const vocabSize = options.vocabSize ?? DEFAULT_VOCAB_SIZE;
  const minFrequency = options.minFrequency ?? 2;
  const model = baseModel(options.specialTokens);
  const firstByte = model.special.length;
  if (!Number.isInteger(vocabSize) || vocabSize < model.tokens.length || vocabSize > MAX_IDS) {
    throw new Error(
      `vocabSize must be an integer from ${model.tokens.length} (specials + 256 bytes) to ${MAX_IDS}, got ${vocabSize}`,
    );
  }
  if (!Number.isInteger(minFrequency) || minFrequency < 1)
    throw new Error(`minFrequency must be a positive integer, got ${minFrequency}`);

  // Distinct pieces with their counts; a piece's bytes, read one char per byte, key the map.
  const splitter = await Tokenizer.fromModel(model);
  const index = new Map<string, number>();
  const words: number[][] = [];
  const freq: number[] = [];
  const decoder = new TextDecoder('latin1');
  for (const text of texts) {
    const bytes = utf8.encode(text);
    const chars = decoder.decode(bytes);
    const bounds = splitter.pieces(bytes);
    for (let i = 0; i < bounds.length; i += 2) {
      const key = chars.slice(bounds[i], bounds[i + 1]);
      const at = index.get(key);
      if (at !== undefined) freq[at]++;
      else {
        index.set(key, words.length);
        words.push(Array.from(bytes.subarray(bounds[i], bounds[i + 1]), (b) => firstByte + b));
        freq.push(1);
      }
    }
  }
  splitter.free();

  const pairs = new PairStats(words.length);
  words.forEach((w, i) => pairs.countWord(w, freq[i], i));
  pairs.heapify();

  while (model.tokens.length < vocabSize) {
    const best = pairs.popBest();
    if (best === undefined || best.count < minFrequency) break;
    const a = Math.floor(best.key / MAX_IDS);
    const b = best.key % MAX_IDS;
    const merged = model.tokens.length;
    model.tokens.push(concatBytes(model.tokens[a], model.tokens[b]));
    model.merges.push([a, b, merged]);
    for (const i of pairs.takeWords(best.key)) {
      const w = words[i];
      if (!hasPair(w, a, b)) continue;
      words[i] = mergeWord(w, a, b, merged);
      pairs.replaceWord(w, words[i], freq[i], i);
    }
  }
  return Tokenizer.fromModel(model);
}

function concatBytes(x: Uint8Array, y: Uint8Array): Uint8Array {
  const out = new Uint8Array(x.length + y.length);
  out.set(x);
  out.set(y, x.length);
  return out;
}

function hasPair(w: number[], a: number, b: number): boolean {
  for (let k = 0; k + 1 < w.length; k++) if (w[k] === a && w[k + 1] === b) return true;
  return false;
}

function mergeWord(w: number[], a: number, b: number, merged: number): number[] {
  const out: number[] = [];
  for (let k = 0; k < w.length; k++) {
    if (k + 1 < w.length && w[k] === a && w[k + 1] === b) {
      out.push(merged);
      k++;
    } else out.push(w[k]);
  }
  return out;
}

/**
 * Pair counts, the words each pair occurs in (a word may be listed twice, or after the pair left
 * it: takeWords dedupes and the caller re-checks), and a max-heap of (count, key) entries checked
 * lazily: an entry whose count is no longer current is dropped or re-pushed when it surfaces.
 */
class PairStats {
  private readonly count = new Map<number, number>();
  private readonly where = new Map<number, number[]>();
  private readonly heapCount: number[] = [];
  private readonly heapKey: number[] = [];
  private readonly delta = new Map<number, number>();
  private readonly seen: Int32Array;
  private stamp = 0;

  constructor(words: number) {
    this.seen = new Int32Array(words);
  }

  /** Adds a word's pairs before the heap is built. */
  countWord(w: number[], weight: number, word: number): void {
    for (let k = 0; k + 1 < w.length; k++) {
      const key = w[k] * MAX_IDS + w[k + 1];
      this.count.set(key, (this.count.get(key) ?? 0) + weight);
      this.listWord(key, word);
    }
  }

  heapify(): void {
    for (const [key, n] of this.count) this.push(n, key);
  }

  /** Moves a word's weight from its old pairs to its new ones, pushing the pairs that grew. */
  replaceWord(before: number[], after: number[], weight: number, word: number): void {
    const d = this.delta;
    d.clear();
    for (let k = 0; k + 1 < before.length; k++) {
      const key = before[k] * MAX_IDS + before[k + 1];
      d.set(key, (d.get(key) ?? 0) - weight);
    }
    for (let k = 0; k + 1 < after.length; k++) {
      const key = after[k] * MAX_IDS + after[k + 1];
      d.set(key, (d.get(key) ?? 0) + weight);
    }
    for (const [key, change] of d) {
      if (change === 0) continue;
      const n = (this.count.get(key) ?? 0) + change;
      if (n === 0) this.count.delete(key);
      else this.count.set(key, n);
      if (change > 0) {
        this.listWord(key, word);
        this.push(n, key);
      }
    }
  }

  private listWord(key: number, word: number): void {
    const list = this.where.get(key);
    if (list) list.push(word);
    else this.where.set(key, [word]);
  }

  /** The words that held the pair, each once; the caller then merges it away (count -> 0). */
  takeWords(key: number): number[] {
    const list = this.where.get(key) ?? [];
    this.where.delete(key);
    const stamp = ++this.stamp;
    const out: number[] = [];
    for (const w of list) {
      if (this.seen[w] === stamp) continue;
      this.seen[w] = stamp;
      out.push(w);
    }
    return out;
  }

  popBest(): { key: number; count: number } | undefined {
    while (this.heapKey.length) {
      const key = this.heapKey[0];
      const n = this.heapCount[0];
      this.pop();
      const now = this.count.get(key) ?? 0;
      if (now === n && n > 0) return { key, count: n };
      // Stale entry: a fresher one for this key with the current count is (or will be) in the heap.
      if (now > 0 && now < n) this.push(now, key);
    }
    return undefined;
  }

  private better(i: number, j: number): boolean {
    const ci = this.heapCount[i];
    const cj = this.heapCount[j];
    return ci > cj || (ci === cj && this.heapKey[i] < this.heapKey[j]);
  }

  private swap(i: number, j: number): void {
    [this.heapCount[i], this.heapCount[j]] = [this.heapCount[j], this.heapCount[i]];
    [this.heapKey[i], this.heapKey[j]] = [this.heapKey[j], this.heapKey[i]];
  }

  private push(n: number, key: number): void {
    this.heapCount.push(n);
    this.heapKey.push(key);
    let i = this.heapKey.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.better(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  private pop(): void {
    const last = this.heapKey.length - 1;
    this.swap(0, last);
    this.heapCount.pop();
    this.heapKey.pop();
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < last && this.better(l, m)) m = l;
      if (r < last && this.better(r, m)) m = r;
      if (m === i) break;
      this.swap(i, m);
      i = m;
    }
  }
}
