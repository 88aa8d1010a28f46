// Tokenizer exports of the engine. A tokenizer is built from ids prepared by ts/data/tokenizer.ts
// (which reads tokenizer.json) and addressed by a handle, so several can live side by side.
import { Tokenizer } from './bpe';

const tokenizers = new Array<Tokenizer | null>();

function get(handle: i32): Tokenizer {
  if (handle < 0 || handle >= tokenizers.length) abort('unknown tokenizer handle');
  const t = tokenizers[handle];
  if (t === null) abort('tokenizer handle was freed');
  return changetype<Tokenizer>(t);
}

/**
 * byteIds: the id of each single byte (256); merges: (left, right, merged) id triples in rank order;
 * special tokens: their UTF-8 bytes concatenated, end offsets and ids; tokenBytes/tokenEnds: the
 * bytes of every id 0..n-1 concatenated, and their end offsets.
 */
export function tokenizerCreate(
  byteIds: Int32Array,
  merges: Int32Array,
  specialBytes: Uint8Array,
  specialEnds: Int32Array,
  specialIds: Int32Array,
  tokenBytes: Uint8Array,
  tokenEnds: Int32Array,
): i32 {
  tokenizers.push(new Tokenizer(byteIds, merges, specialBytes, specialEnds, specialIds, tokenBytes, tokenEnds));
  return tokenizers.length - 1;
}

export function tokenizerFree(handle: i32): void {
  get(handle);
  tokenizers[handle] = null;
}

export function tokenizerEncode(handle: i32, text: Uint8Array): Int32Array {
  return get(handle).encode(text);
}

export function tokenizerDecode(handle: i32, ids: Int32Array): Uint8Array {
  return get(handle).decode(ids);
}

export function tokenizerPieces(handle: i32, text: Uint8Array): Int32Array {
  return get(handle).pieces(text);
}
