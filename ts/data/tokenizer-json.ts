// The tokenizer's model as plain data, and its Hugging Face `tokenizer.json` form: a byte-level BPE
// (GPT-2's byte-to-character alphabet) behind a Split pre-tokenizer whose regex cuts numbers into
// chunks of at most three digits, with the special tokens as added tokens. Reading refuses any file
// whose pipeline the engine does not implement, so encoding here and in HF tokenizers agree.

/** Special tokens of SPEC §2, in id order 0..9. */
export const SPECIAL_TOKENS = [
  '[UNK]',
  '[PAD]',
  '[BOS]',
  '[EOS]',
  '<question>',
  '</question>',
  '<solution>',
  '</solution>',
  '<answer>',
  '</answer>',
] as const;

/** The pre-tokenizer the engine implements (engine/tokenizer/pretokenize.ts), as an Oniguruma regex. */
export const PRE_TOKENIZER_REGEX =
  "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/** Ids are positions: tokens[id] is the token's bytes; special tokens are matched whole in text. */
export interface BpeModel {
  tokens: Uint8Array[];
  /** (left, right, merged) ids of each merge, in rank order; the merged token is the concatenation. */
  merges: [number, number, number][];
  special: { id: number; content: string }[];
}

// GPT-2's reversible byte -> printable character map (printable Latin-1 bytes map to themselves).
const BYTE_CHAR: string[] = [];
const CHAR_BYTE = new Map<string, number>();
{
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    BYTE_CHAR[b] = String.fromCharCode(printable ? b : next++);
    CHAR_BYTE.set(BYTE_CHAR[b], b);
  }
}

export function bytesToChars(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += BYTE_CHAR[b];
  return s;
}

function charsToBytes(s: string, what: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const b = CHAR_BYTE.get(s[i]);
    if (b === undefined)
      throw new Error(
        `tokenizer.json: ${what} has character U+${s.charCodeAt(i).toString(16)} outside the byte-level alphabet`,
      );
    out[i] = b;
  }
  return out;
}

const utf8 = new TextEncoder();
const tokenString = (m: BpeModel, id: number, specials: Map<number, string>) =>
  specials.get(id) ?? bytesToChars(m.tokens[id]);

export function toHfJson(m: BpeModel): object {
  const specials = new Map(m.special.map((s) => [s.id, s.content]));
  const vocab: Record<string, number> = {};
  for (let id = 0; id < m.tokens.length; id++) vocab[tokenString(m, id, specials)] = id;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: m.special.map((s) => ({
      id: s.id,
      content: s.content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: PRE_TOKENIZER_REGEX }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: m.merges.map(([a, b]) => `${tokenString(m, a, specials)} ${tokenString(m, b, specials)}`),
    },
  };
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function expectPipeline(json: Json): void {
  const pre = json.pre_tokenizer;
  const steps = isObject(pre) && pre.type === 'Sequence' && Array.isArray(pre.pretokenizers) ? pre.pretokenizers : [];
  const [split, byteLevel] = steps as Json[];
  const ok =
    steps.length === 2 &&
    isObject(split) &&
    split.type === 'Split' &&
    isObject(split.pattern) &&
    split.pattern.Regex === PRE_TOKENIZER_REGEX &&
    split.behavior === 'Isolated' &&
    !split.invert &&
    isObject(byteLevel) &&
    byteLevel.type === 'ByteLevel' &&
    !byteLevel.add_prefix_space &&
    byteLevel.use_regex === false;
  if (!ok) {
    throw new Error(
      'tokenizer.json: pre_tokenizer must be Sequence[Split(Regex ' +
        JSON.stringify(PRE_TOKENIZER_REGEX) +
        ', Isolated), ByteLevel(add_prefix_space=false, use_regex=false)]: the only pipeline this engine encodes exactly',
    );
  }
  if (json.normalizer != null) throw new Error('tokenizer.json: normalizer must be null (the engine applies none)');
  const dec = json.decoder;
  if (dec != null && !(isObject(dec) && dec.type === 'ByteLevel'))
    throw new Error('tokenizer.json: decoder must be ByteLevel');
}

/** Reads a Hugging Face tokenizer.json (text or parsed) into a model, or says what is wrong with it. */
export function fromHfJson(input: string | object): BpeModel {
  const json = typeof input === 'string' ? (JSON.parse(input) as unknown) : input;
  if (!isObject(json)) throw new Error('tokenizer.json: not a JSON object');
  const model = json.model;
  if (!isObject(model) || model.type !== 'BPE') throw new Error('tokenizer.json: model.type must be "BPE"');
  if (!isObject(model.vocab) || !Array.isArray(model.merges))
    throw new Error('tokenizer.json: model needs vocab and merges');
  if (model.byte_fallback || model.continuing_subword_prefix || model.end_of_word_suffix || model.dropout) {
    throw new Error(
      'tokenizer.json: byte_fallback, continuing_subword_prefix, end_of_word_suffix and dropout are not supported',
    );
  }
  expectPipeline(json);

  const special: BpeModel['special'] = [];
  for (const t of Array.isArray(json.added_tokens) ? json.added_tokens : []) {
    if (
      !isObject(t) ||
      !Number.isInteger(t.id) ||
      (t.id as number) < 0 ||
      typeof t.content !== 'string' ||
      t.content === ''
    ) {
      throw new Error('tokenizer.json: every added_tokens entry needs an integer id and non-empty content');
    }
    special.push({ id: t.id as number, content: t.content });
  }
  const byContent = new Map(special.map((s) => [s.content, s.id]));
  const vocab = new Map<string, number>(Object.entries(model.vocab as Record<string, number>));
  for (const [text, id] of vocab) {
    if (!Number.isInteger(id) || id < 0)
      throw new Error(`tokenizer.json: vocab entry ${JSON.stringify(text)} has bad id ${id}`);
  }
  let size = 0;
  for (const id of [...vocab.values(), ...special.map((s) => s.id)]) size = Math.max(size, id + 1);
  if (size > vocab.size + special.length)
    throw new Error(`tokenizer.json: ids must be 0..n-1 without gaps, but the largest is ${size - 1}`);
  const tokens: (Uint8Array | undefined)[] = new Array(size);
  for (const s of special) tokens[s.id] = utf8.encode(s.content);
  for (const [text, id] of vocab) {
    const sid = byContent.get(text);
    if (sid !== undefined && sid !== id)
      throw new Error(`tokenizer.json: ${JSON.stringify(text)} has id ${id} in vocab but ${sid} in added_tokens`);
    if (sid === undefined) {
      if (tokens[id]) throw new Error(`tokenizer.json: id ${id} is used twice`);
      tokens[id] = charsToBytes(text, `vocab entry ${JSON.stringify(text)}`);
    }
  }
  const missing = tokens.findIndex((t) => t === undefined);
  if (missing >= 0 || tokens.length < size)
    throw new Error(`tokenizer.json: ids must be 0..${size - 1} without gaps; id ${missing} is missing`);
  for (let b = 0; b < 256; b++) {
    if (!vocab.has(BYTE_CHAR[b]))
      throw new Error(`tokenizer.json: vocab lacks the single byte 0x${b.toString(16)} (byte-level BPE needs all 256)`);
  }

  const merges: [number, number, number][] = model.merges.map((m: unknown, rank: number) => {
    const pair = typeof m === 'string' ? m.split(' ') : m;
    if (!Array.isArray(pair) || pair.length !== 2)
      throw new Error(`tokenizer.json: merge ${rank} is not a pair: ${JSON.stringify(m)}`);
    const [a, b] = pair as string[];
    const ids = [a, b, a + b].map((t) => vocab.get(t));
    if (ids.includes(undefined))
      throw new Error(`tokenizer.json: merge ${rank} (${JSON.stringify(m)}) uses tokens missing from vocab`);
    return ids as [number, number, number];
  });
  return { tokens: tokens as Uint8Array[], merges, special };
}
