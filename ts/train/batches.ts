// Cuts the token stream into micro-batches of next-token prediction: B windows of S inputs, each
// target the following token. One token is carried over between batches so no pair is lost, and
// the carry is part of the resumable cursor.
import { TokenReader, type StreamPosition } from '../data/shards.js';

export interface Batch {
  /** [B*S] input ids. */
  ids: Uint32Array;
  /** [B*S] next-token ids. */
  targets: Uint32Array;
  /** [B*S] loss weights (1 = counted). */
  mask: Float32Array;
}

export interface Cursor {
  position: StreamPosition;
  /** The last token read, the first input of the next batch (-1 at the very start). */
  carry: number;
}

export class BatchReader {
  private readonly reader: TokenReader;
  private carry: number;

  constructor(dir: string, private readonly B: number, private readonly S: number, cursor?: Cursor) {
    this.reader = new TokenReader(dir, cursor?.position);
    this.carry = cursor?.carry ?? -1;
  }

  get cursor(): Cursor {
    return { position: this.reader.position, carry: this.carry };
  }

  /** The next batch, or undefined when the stream cannot fill one. */
  next(): Batch | undefined {
    const n = this.B * this.S;
    const first = this.carry >= 0 ? 0 : 1;
    const fresh = this.reader.read(n + first);
    if (fresh.length < n + first) return undefined;
    const tokens = new Uint32Array(n + 1);
    if (first === 0) tokens[0] = this.carry;
    tokens.set(fresh, 1 - first);
    this.carry = tokens[n];
    return { ids: tokens.slice(0, n), targets: tokens.slice(1, n + 1), mask: new Float32Array(n).fill(1) };
  }
}
