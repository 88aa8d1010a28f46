import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeStore } from '../../ts/io/node-store.js';
import { INDEX_FORMAT, INDEX_VERSION, ShardWriter, writeIndex } from '../../ts/data/shards.js';
import type { Batch } from '../../ts/model/batch.js';
import { BatchReader } from '../../ts/train/batches.js';
import { tokensPerStep, validateRunConfig } from '../../ts/train/runconfig.js';

const store = new NodeStore();

async function dataset(docs: number[][], shardTokens: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'batches-'));
  const w = new ShardWriter(store, dir, 3, shardTokens);
  for (const d of docs) await w.add(d);
  const shards = await w.finish();
  const tokens = shards.reduce((a, s) => a + s.tokens, 0);
  await writeIndex(store, dir, {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    dtype: 'uint16',
    byteOrder: 'little',
    separatorId: 3,
    tokenizer: { file: 'tokenizer.json', sha256: 'x', vocabSize: 100 },
    tokens,
    documents: docs.length,
    shards,
    extra: {},
  });
  return dir;
}

describe('training batches', () => {
  const docs = Array.from({ length: 40 }, (_, i) =>
    Array.from({ length: 5 + (i % 7) }, (_, j) => 10 + ((i * 13 + j) % 80)),
  );

  /** The rows of a batch as the token sequences whose loss counts (inputs plus the last target). */
  const rows = (b: Batch, S: number) =>
    Array.from({ length: b.ids.length / S }, (_, r) => {
      const n = b.mask.subarray(r * S, (r + 1) * S).reduce((a, m) => a + m, 0);
      for (let i = 0; i < S; i++) {
        expect(b.mask[r * S + i]).toBe(i < n ? 1 : 0); // real tokens first, then padding
        if (i + 1 < n) expect(b.targets[r * S + i]).toBe(b.ids[r * S + i + 1]); // targets shifted by one
      }
      return n ? [...b.ids.subarray(r * S, r * S + n), b.targets[r * S + n - 1]] : [];
    });

  it('pack whole documents into rows in stream order, none split, none lost across batches or shards', async () => {
    const dir = await dataset(docs, 37);
    const S = 24;
    const r = await BatchReader.open(store, dir, 2, S);
    const seen: number[][] = [];
    for (let i = 0; i < 6; i++) {
      for (const row of rows((await r.next())!, S)) {
        expect(row.length).toBeGreaterThan(S / 2); // the next document did not fit
        // Each row is whole documents, each ended by its separator.
        expect(row.at(-1)).toBe(3);
        let d: number[] = [];
        for (const t of row) {
          if (t !== 3) d.push(t);
          else (seen.push(d), (d = []));
        }
      }
    }
    expect(seen).toEqual(docs.slice(0, seen.length));
    expect(seen.length).toBeGreaterThan(12);
  });

  it('split only a document longer than a row, continuing it in the next row', async () => {
    const long = Array.from({ length: 30 }, (_, j) => 20 + j);
    const dir = await dataset([[11, 12], long, [13]], 100);
    const r = await BatchReader.open(store, dir, 3, 12);
    const got = rows((await r.next())!, 12);
    expect(got[0]).toEqual([11, 12, 3]);
    expect(got[1]).toEqual(long.slice(0, 13));
    expect(got[2]).toEqual(long.slice(13, 26));
  });

  it('resume from a saved cursor gives the very batches an uninterrupted reader gives', async () => {
    const dir = await dataset(docs, 50);
    const a = await BatchReader.open(store, dir, 3, 17);
    for (let i = 0; i < 4; i++) await a.next();
    const cursor = JSON.parse(JSON.stringify(a.cursor)); // as saved in a checkpoint
    const b = await BatchReader.open(store, dir, 3, 17, cursor);
    for (let i = 0; i < 5; i++) {
      const [x, y] = [(await a.next())!, (await b.next())!];
      expect(Array.from(y.ids)).toEqual(Array.from(x.ids));
      expect(Array.from(y.mask)).toEqual(Array.from(x.mask));
    }
  });

  it("with lossFrom, count only each document's tokens after that token, also across a split and a resume", async () => {
    const SOL = 9; // plays <solution>
    const withSol = docs.map((d, i) => [
      ...d.slice(0, 2),
      SOL,
      ...d.slice(2),
      ...(i % 4 === 0 ? Array(20).fill(50) : []),
    ]);
    const dir = await dataset(withSol, 41);
    const S = 16; // the long documents are split across rows
    const whole = await BatchReader.open(store, dir, 2, S, undefined, SOL);
    const stream = withSol.flatMap((d) => [...d, 3]);
    // Plain rule over the stream: a target counts when its document's SOL came at or before the input.
    const counted = new Map<number, boolean>();
    let after = false;
    stream.forEach((t, k) => {
      if (t === SOL) after = true;
      else if (t === 3) after = false;
      counted.set(k, after);
    });
    const plain = await BatchReader.open(store, dir, 2, S);
    let at = 0,
      checked = 0;
    const resumedAt = 3;
    let resumed: BatchReader | undefined;
    for (let n = 0; n < 8; n++) {
      if (n === resumedAt)
        resumed = await BatchReader.open(store, dir, 2, S, JSON.parse(JSON.stringify(whole.cursor)), SOL);
      const b = (await whole.next())!,
        p = (await plain.next())!;
      if (resumed) expect(Array.from((await resumed.next())!.mask)).toEqual(Array.from(b.mask));
      expect(Array.from(b.ids)).toEqual(Array.from(p.ids)); // the same rows, only the mask differs
      for (let i = 0; i < b.ids.length; i++) {
        if (!p.mask[i]) {
          expect(b.mask[i]).toBe(0);
          continue;
        }
        while (!(stream[at] === b.ids[i] && stream[at + 1] === b.targets[i])) at++; // the pair's place in the stream
        expect(b.mask[i], `pair ${at}`).toBe(counted.get(at) ? 1 : 0);
        checked++;
        at++;
      }
    }
    expect(checked).toBeGreaterThan(150);
  });

  it('refuse a cursor of the old stream format', async () => {
    const dir = await dataset(docs, 50);
    await expect(
      BatchReader.open(store, dir, 1, 8, { position: { shard: 0, offset: 3 }, carry: 5 } as never),
    ).rejects.toThrow(/older version/);
  });

  it('end when the stream cannot fill a batch', async () => {
    const dir = await dataset(docs.slice(0, 3), 1000);
    const r = await BatchReader.open(store, dir, 1, 16);
    let n = 0;
    while (await r.next()) n++;
    expect(n).toBe(2); // 6+1 and 7+1 tokens share a row of 17 slots; 8+1 then starts a second row, the last
  });
});

describe('run config', () => {
  const ok = { stage: 'pretrain', mixture: 'uniform', tokens: 100_000 };
  it('fills defaults and computes tokens per step', () => {
    const c = validateRunConfig({ ...ok, batch_size: 4, seq_len: 128, grad_accum: 2 });
    expect(tokensPerStep(c)).toBe(1024);
    expect(c.model).toBe('mini');
  });
  it('names every bad field', () => {
    expect(() =>
      validateRunConfig({ ...ok, learning_rate: -1, batch_size: 0, schedule: 'linear', betas: [0.9] }),
    ).toThrow(
      /unknown field 'betas'.*batch_size must be an integer >= 1.*learning_rate must be a number.*schedule must be one of "cosine", "constant"/,
    );
    expect(() => validateRunConfig({ ...ok, mixture: { ops: { '2-10': 0.5 } } })).toThrow(
      /mixture must be a mixture preset name or spec object .*sum/,
    );
    expect(() => validateRunConfig({ ...ok, stage: 'midtrain' })).toThrow(/needs init/);
    expect(() => validateRunConfig({ ...ok, min_lr: 1 })).toThrow(/min_lr 1 is above learning_rate/);
    expect(() => validateRunConfig({ ...ok, loss_on: 'prompt' })).toThrow(/loss_on must be one of "all", "solution"/);
    expect(() => validateRunConfig(null)).toThrow(/run config must be a JSON object/);
  });
});
