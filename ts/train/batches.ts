// Cuts the token stream into micro-batches of next-token prediction, B rows of S inputs, each
// target the following token. Rows are packed with whole documents (each with its separator): a
// document that does not fit in what is left of a row starts the next one, and the rest of the row
// is padding with its loss masked out. So a solution is always trained beside its own question
// (cutting the stream at fixed windows would separate them in most rows, as documents here are
// 150-500 tokens). Only a document longer than a row is split across rows.
//
// With `lossFrom` (the `<solution>` id) the loss counts only each document's tokens after that
// token (the solution, the answer and the separator), not its question.
import { TokenReader, type StreamPosition } from '../data/shards.js';
import type { Batch } from '../model/batch.js';
import type { RunStore } from '../store/store.js';

export interface Cursor {
  position: StreamPosition;
  /** Tokens read from the stream but not yet placed in a row (at most the start of one document). */
  pending: number[];
  /** Whether the tokens placed so far end inside a document past its `lossFrom` token (always true without one). */
  counting: boolean;
}

export class BatchReader {
  private readonly separator: number;
  private pending: number[];
  private counting: boolean;

  private constructor(
    private readonly reader: TokenReader,
    private readonly B: number,
    private readonly S: number,
    cursor: Cursor | undefined,
    private readonly lossFrom: number | undefined,
  ) {
    this.separator = reader.index.separatorId;
    this.pending = cursor ? [...cursor.pending] : [];
    this.counting = cursor?.counting ?? lossFrom === undefined;
  }

  /**
   * Batches of B rows of S tokens from the dataset in `dir`, from the start or from a saved `cursor`;
   * `lossFrom`: count the loss only after this token in each document (undefined: every token).
   */
  static async open(
    store: RunStore,
    dir: string,
    B: number,
    S: number,
    cursor?: Cursor,
    lossFrom?: number,
  ): Promise<BatchReader> {
    if (
      cursor !== undefined &&
      (!Array.isArray((cursor as Partial<Cursor>).pending) || typeof (cursor as Partial<Cursor>).counting !== 'boolean')
    ) {
      throw new Error(
        `the checkpoint's data cursor ${JSON.stringify(cursor)} is not a document-packing cursor (written by an older version); start a new run`,
      );
    }
    return new BatchReader(await TokenReader.open(store, dir, cursor?.position), B, S, cursor, lossFrom);
  }

  get cursor(): Cursor {
    return { position: this.reader.position, pending: [...this.pending], counting: this.counting };
  }

  /** The next batch, or undefined when the stream ends before its last row begins. */
  async next(): Promise<Batch | undefined> {
    const { B, S } = this;
    const ids = new Uint32Array(B * S).fill(this.separator);
    const targets = new Uint32Array(B * S).fill(this.separator);
    const mask = new Float32Array(B * S);
    const row = new Uint32Array(S + 1);
    for (let r = 0; r < B; r++) {
      let used = 0;
      while (used <= S) {
        const doc = await this.nextDocument();
        if (!doc) {
          if (used === 0) return undefined; // the stream ended before this row
          break; // the stream's last documents
        }
        if (used > 0 && doc > S + 1 - used) break; // starts the next row
        const take = Math.min(doc, S + 1 - used);
        row.set(this.pending.splice(0, take), used);
        used += take;
      }
      // `counting` follows every placed token, so a row that continues a split document starts right.
      let c = this.counting;
      for (let i = 0; i < used; i++) {
        if (this.lossFrom !== undefined) c = row[i] === this.lossFrom ? true : row[i] === this.separator ? false : c;
        if (i + 1 === used) break;
        ids[r * S + i] = row[i];
        targets[r * S + i] = row[i + 1];
        mask[r * S + i] = c ? 1 : 0;
      }
      this.counting = c;
    }
    return { ids, targets, mask };
  }

  /** Length of the pending document (through its separator), reading on as needed; 0 at the end. */
  private async nextDocument(): Promise<number> {
    for (;;) {
      const end = this.pending.indexOf(this.separator);
      if (end >= 0) return end + 1;
      const more = await this.reader.read(this.S);
      if (more.length === 0) return 0;
      for (const t of more) this.pending.push(t);
    }
  }
}
