// The tokenizer as the rest of the project uses it: a BPE model (ts/data/tokenizer-json.ts) loaded
// into the engine, whose WebAssembly does encode and decode. Any byte string round-trips exactly:
// decodeBytes(encodeBytes(b)) == b, and decode(encode(s)) == s for every well-formed string.
import { loadEngine, type Engine } from './engine.js';
import { fromHfJson, toHfJson, type BpeModel } from './tokenizer-json.js';

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();
// The engine's copy (about 1 MB with its piece cache) is released when the wrapper is collected.
const engineCopies = new FinalizationRegistry<{ engine: Engine; handle: number }>(({ engine, handle }) =>
  engine.tokenizerFree(handle),
);

export class Tokenizer {
  readonly vocabSize: number;
  private readonly specialIds: Map<string, number>;

  private constructor(
    readonly model: BpeModel,
    private readonly engine: Engine,
    private readonly handle: number,
  ) {
    this.vocabSize = model.tokens.length;
    this.specialIds = new Map(model.special.map((s) => [s.content, s.id]));
  }

  static async fromModel(model: BpeModel): Promise<Tokenizer> {
    const engine = await loadEngine();
    const byteIds = new Int32Array(256).fill(-1);
    model.tokens.forEach((t, id) => {
      if (t.length === 1 && !model.special.some((s) => s.id === id)) byteIds[t[0]] = id;
    });
    if (byteIds.includes(-1)) throw new Error('tokenizer: the vocabulary lacks a single-byte token');
    const specialBytes = model.special.map((s) => utf8.encode(s.content));
    const [tokenBytes, tokenEnds] = concat(model.tokens);
    const [specialAll, specialEnds] = concat(specialBytes);
    const handle = engine.tokenizerCreate(
      byteIds,
      Int32Array.from(model.merges.flat()),
      specialAll,
      specialEnds,
      Int32Array.from(model.special, (s) => s.id),
      tokenBytes,
      tokenEnds,
    );
    const tok = new Tokenizer(model, engine, handle);
    engineCopies.register(tok, { engine, handle }, tok);
    return tok;
  }

  /** Loads a Hugging Face tokenizer.json (its text or parsed object). */
  static fromJson(json: string | object): Promise<Tokenizer> {
    return Tokenizer.fromModel(fromHfJson(json));
  }

  toJson(): object {
    return toHfJson(this.model);
  }

  /** Id of a special token such as '[EOS]'; throws if the tokenizer has none of that name. */
  specialId(content: string): number {
    const id = this.specialIds.get(content);
    if (id === undefined) throw new Error(`tokenizer has no special token ${content}`);
    return id;
  }

  encode(text: string): Int32Array {
    return this.encodeBytes(utf8.encode(text));
  }

  encodeBytes(bytes: Uint8Array): Int32Array {
    return this.engine.tokenizerEncode(this.handle, bytes);
  }

  /**
   * Text of the ids. Bytes that are not UTF-8 (a character cut between tokens, as in a sampled
   * continuation) become U+FFFD, as in Hugging Face tokenizers; decodeBytes gives them exactly.
   */
  decode(ids: ArrayLike<number>): string {
    return utf8Decoder.decode(this.decodeBytes(ids));
  }

  decodeBytes(ids: ArrayLike<number>): Uint8Array {
    const arr = Int32Array.from(ids);
    const bad = arr.findIndex((id) => !(id >= 0 && id < this.vocabSize));
    if (bad >= 0) throw new Error(`tokenizer: id ${ids[bad]} at position ${bad} is outside 0..${this.vocabSize - 1}`);
    return this.engine.tokenizerDecode(this.handle, arr);
  }

  /** Byte ranges [start, end) of the pre-tokenizer's pieces, special tokens left out (for training). */
  pieces(bytes: Uint8Array): Int32Array {
    return this.engine.tokenizerPieces(this.handle, bytes);
  }

  /** Releases the engine's copy now rather than at garbage collection; the object must not be used afterwards. */
  free(): void {
    engineCopies.unregister(this);
    this.engine.tokenizerFree(this.handle);
  }
}

function concat(parts: Uint8Array[]): [Uint8Array, Int32Array] {
  const ends = new Int32Array(parts.length);
  let n = 0;
  parts.forEach((p, i) => (ends[i] = n += p.length));
  const all = new Uint8Array(n);
  parts.forEach((p, i) => all.set(p, ends[i] - p.length));
  return [all, ends];
}
