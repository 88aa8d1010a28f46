// Token shards in a run store: `train-NNNNN.bin` files of uint16 little-endian token ids, each
// a run of whole documents, every document followed by the separator id ([EOS]), described by
// `index.json` (counts, seeds, mixture, tokenizer hash, and the sha256 of every shard). The index
// carries a checksum of its own content, is written last (a build that died has none), and the
// reader refuses a missing, truncated or altered shard or index rather than read part of it.
import { joinPath, type RunStore } from '../store/store.js';
import { sha256Hex } from '../util/hash.js';
import { parseJson } from '../util/json.js';
import { killPoint } from '../util/killpoint.js';

export const INDEX_FILE = 'index.json';
export const INDEX_FORMAT = 'reasoning-engine/token-shards';
export const INDEX_VERSION = 1;

export interface ShardEntry {
  file: string;
  tokens: number;
  documents: number;
  sha256: string;
}

/** What index.json holds; `extra` is the builder's own record (mixture, seeds, counts, eval sets). */
export interface ShardIndex {
  format: typeof INDEX_FORMAT;
  version: typeof INDEX_VERSION;
  dtype: 'uint16';
  byteOrder: 'little';
  separatorId: number;
  tokenizer: { file: string; sha256: string; vocabSize: number };
  tokens: number;
  documents: number;
  shards: ShardEntry[];
  extra: Record<string, unknown>;
  /** sha256 of JSON.stringify of the index without this field. */
  checksum: string;
}

const littleEndian = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function leBytes(tokens: Uint16Array): Uint8Array {
  const bytes = new Uint8Array(tokens.buffer, tokens.byteOffset, tokens.byteLength);
  if (littleEndian) return bytes;
  const out = new Uint8Array(bytes);
  for (let i = 0; i < out.length; i += 2) [out[i], out[i + 1]] = [out[i + 1], out[i]];
  return out;
}

/** Collects documents into shards of at most `shardTokens` tokens (a longer document gets a shard of its own). */
export class ShardWriter {
  readonly shards: ShardEntry[] = [];
  private buf: Uint16Array;
  private used = 0;
  private docs = 0;

  constructor(
    private readonly store: RunStore,
    private readonly dir: string,
    private readonly separatorId: number,
    private readonly shardTokens = 1 << 24,
  ) {
    if (!Number.isInteger(shardTokens) || shardTokens < 1)
      throw new Error(`shard size must be a positive integer of tokens, got ${shardTokens}`);
    this.buf = new Uint16Array(shardTokens);
  }

  /** Appends one document (its ids, then the separator), first writing the shard it would not fit in. */
  async add(ids: ArrayLike<number>): Promise<void> {
    const need = ids.length + 1;
    if (this.used > 0 && this.used + need > this.buf.length) await this.flush();
    if (need > this.buf.length) this.buf = new Uint16Array(need);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (!(id >= 0 && id <= 0xffff)) throw new Error(`token id ${id} does not fit a uint16 shard`);
      this.buf[this.used + i] = id;
    }
    this.buf[this.used + ids.length] = this.separatorId;
    this.used += need;
    this.docs++;
  }

  /** The documents added since the last shard was written (what a resumed writer starts from). */
  get pending(): { tokens: number[]; documents: number } {
    return { tokens: [...this.buf.subarray(0, this.used)], documents: this.docs };
  }

  /** Continues a writer that had written `shards` and held `pending` (a killed build's saved state). */
  restore(shards: readonly ShardEntry[], pending: { tokens: number[]; documents: number }): void {
    if (this.shards.length || this.used) throw new Error('ShardWriter.restore: the writer has already been written to');
    this.shards.push(...shards);
    if (pending.tokens.length > this.buf.length) this.buf = new Uint16Array(pending.tokens.length);
    this.buf.set(pending.tokens);
    this.used = pending.tokens.length;
    this.docs = pending.documents;
  }

  /** Writes the last shard; returns all of them. */
  async finish(): Promise<ShardEntry[]> {
    if (this.used > 0) await this.flush();
    return this.shards;
  }

  private async flush(): Promise<void> {
    const file = `train-${String(this.shards.length).padStart(5, '0')}.bin`;
    const bytes = leBytes(this.buf.subarray(0, this.used));
    await this.store.write(joinPath(this.dir, file), bytes);
    this.shards.push({ file, tokens: this.used, documents: this.docs, sha256: await sha256Hex(bytes) });
    killPoint('data-shard');
    this.used = 0;
    this.docs = 0;
  }
}

export async function writeIndex(
  store: RunStore,
  dir: string,
  index: Omit<ShardIndex, 'checksum'>,
): Promise<ShardIndex> {
  const full = { ...index, checksum: await sha256Hex(JSON.stringify(index)) };
  await store.write(joinPath(dir, INDEX_FILE), JSON.stringify(full, null, 1) + '\n');
  return full;
}

const decoder = new TextDecoder();

/** What to do about a damaged dataset. */
export const REBUILD = "build the dataset again (data build, or delete the run's data/ folder to have it rebuilt)";

export async function readIndex(store: RunStore, dir: string): Promise<ShardIndex> {
  const path = joinPath(dir, INDEX_FILE);
  const bytes = await store.read(path);
  if (!bytes) throw new Error(`${path} is missing: not a dataset directory, or its build did not finish`);
  const index = parseJson(decoder.decode(bytes), path, `truncated or corrupted: ${REBUILD}`) as ShardIndex;
  if (index?.format !== INDEX_FORMAT) throw new Error(`${path} is not a ${INDEX_FORMAT} index`);
  if (index.version !== INDEX_VERSION)
    throw new Error(`${path} has format version ${index.version}; this reader knows ${INDEX_VERSION}`);
  const { checksum, ...rest } = index;
  if (checksum !== (await sha256Hex(JSON.stringify(rest))))
    throw new Error(`${path} was altered or corrupted: its checksum does not match its content; ${REBUILD}`);
  return index;
}

/** The tokens of shard i, after checking its length and sha256 against the index. */
export async function readShard(store: RunStore, dir: string, index: ShardIndex, i: number): Promise<Uint16Array> {
  const entry = index.shards[i];
  if (!entry) throw new Error(`shard ${i} does not exist (the index lists ${index.shards.length})`);
  const path = joinPath(dir, entry.file);
  const read = await store.read(path);
  if (!read) throw new Error(`${path} is missing; ${REBUILD}`);
  const bytes = new Uint8Array(read); // a copy, so the Uint16Array view below is aligned
  if (bytes.length !== entry.tokens * 2) {
    throw new Error(
      `${path} has ${bytes.length} bytes but the index says ${entry.tokens} tokens (${entry.tokens * 2} bytes): truncated or replaced; ${REBUILD}`,
    );
  }
  if ((await sha256Hex(bytes)) !== entry.sha256)
    throw new Error(`${path} is corrupted: its sha256 does not match the index; ${REBUILD}`);
  const tokens = new Uint16Array(entry.tokens);
  new Uint8Array(tokens.buffer).set(leBytes(new Uint16Array(bytes.buffer, bytes.byteOffset, entry.tokens)));
  return tokens;
}

/** The documents of a shard's tokens, each without its separator. */
export function* documents(tokens: Uint16Array, separatorId: number): Generator<Uint16Array> {
  let start = 0;
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === separatorId) {
      yield tokens.subarray(start, i);
      start = i + 1;
    }
  }
  if (start < tokens.length) throw new Error('shard does not end with a separator: truncated');
}

/** Where a TokenReader is: the next token to read is `offset` in shard `shard`. */
export interface StreamPosition {
  shard: number;
  offset: number;
}

/**
 * Reads a dataset's shards as one token stream, in order, a shard at a time (each checked when it
 * is loaded). `position` can be saved with a checkpoint and passed back to resume exactly there.
 */
export class TokenReader {
  private tokens: Uint16Array | undefined;
  private pos: StreamPosition;

  private constructor(
    private readonly store: RunStore,
    private readonly dir: string,
    readonly index: ShardIndex,
    start: StreamPosition,
  ) {
    const entry = index.shards[start.shard];
    const valid =
      Number.isInteger(start.offset) &&
      start.offset >= 0 &&
      (entry ? start.offset < entry.tokens : start.shard === index.shards.length && start.offset === 0);
    if (!valid) throw new Error(`position ${JSON.stringify(start)} is not in ${dir} (${index.shards.length} shards)`);
    this.pos = { ...start };
  }

  /** A reader of the dataset in `dir` (its index read and checked), at `start`. */
  static async open(
    store: RunStore,
    dir: string,
    start: StreamPosition = { shard: 0, offset: 0 },
  ): Promise<TokenReader> {
    return new TokenReader(store, dir, await readIndex(store, dir), start);
  }

  get position(): StreamPosition {
    return { ...this.pos };
  }

  /** The next `count` tokens (fewer only at the end of the stream, none after it). */
  async read(count: number): Promise<Uint16Array> {
    const out = new Uint16Array(count);
    let n = 0;
    while (n < count && this.pos.shard < this.index.shards.length) {
      this.tokens ??= await readShard(this.store, this.dir, this.index, this.pos.shard);
      const take = Math.min(count - n, this.tokens.length - this.pos.offset);
      out.set(this.tokens.subarray(this.pos.offset, this.pos.offset + take), n);
      n += take;
      this.pos.offset += take;
      if (this.pos.offset === this.tokens.length) {
        this.pos = { shard: this.pos.shard + 1, offset: 0 };
        this.tokens = undefined;
      }
    }
    return out.subarray(0, n);
  }
}
