import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { INDEX_FORMAT, INDEX_VERSION, ShardWriter, writeIndex } from '../../ts/data/shards.js';
import { BatchReader } from '../../ts/train/batches.js';
import { tokensPerStep, validateRunConfig } from '../../ts/train/runconfig.js';

function dataset(docs: number[][], shardTokens: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'batches-'));
  const w = new ShardWriter(dir, 3, shardTokens);
  for (const d of docs) w.add(d);
  const shards = w.finish();
  const tokens = shards.reduce((a, s) => a + s.tokens, 0);
  writeIndex(dir, {
    format: INDEX_FORMAT, version: INDEX_VERSION, dtype: 'uint16', byteOrder: 'little', separatorId: 3,
    tokenizer: { file: 'tokenizer.json', sha256: 'x', vocabSize: 100 }, tokens, documents: docs.length, shards, extra: {},
  });
  return dir;
}

describe('training batches', () => {
  const docs = Array.from({ length: 40 }, (_, i) => Array.from({ length: 5 + (i % 7) }, (_, j) => 10 + ((i * 13 + j) % 80)));
  const stream = docs.flatMap((d) => [...d, 3]);

  it('are windows of the stream with targets shifted by one, no pair lost across batches or shards', () => {
    const dir = dataset(docs, 37);
    const r = new BatchReader(dir, 2, 9);
    let at = 0;
    for (let i = 0; i < 5; i++) {
      const b = r.next()!;
      expect(Array.from(b.ids)).toEqual(stream.slice(at, at + 18));
      expect(Array.from(b.targets)).toEqual(stream.slice(at + 1, at + 19));
      expect(b.mask.every((m) => m === 1)).toBe(true);
      at += 18;
    }
  });

  it('resume from a saved cursor gives the very batches an uninterrupted reader gives', () => {
    const dir = dataset(docs, 50);
    const a = new BatchReader(dir, 3, 7);
    for (let i = 0; i < 4; i++) a.next();
    const cursor = JSON.parse(JSON.stringify(a.cursor)); // as saved in a checkpoint
    const b = new BatchReader(dir, 3, 7, cursor);
    for (let i = 0; i < 5; i++) expect(Array.from(b.next()!.ids)).toEqual(Array.from(a.next()!.ids));
  });

  it('end when the stream cannot fill a batch', () => {
    const dir = dataset(docs.slice(0, 3), 1000);
    const r = new BatchReader(dir, 1, 10);
    let n = 0;
    while (r.next()) n++;
    expect(n).toBe(Math.floor((docs.slice(0, 3).flat().length + 3 - 1) / 10));
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
    expect(() => validateRunConfig({ ...ok, lr: -1, batch_size: 0, schedule: 'linear', betas: [0.9] })).toThrow(
      /unknown field 'betas'.*batch_size must be an integer >= 1.*lr must be a number.*schedule must be "cosine" or "constant"/,
    );
    expect(() => validateRunConfig({ ...ok, mixture: { ops: { '2-10': 0.5 } } })).toThrow(/mixture: .*sum/);
    expect(() => validateRunConfig({ ...ok, stage: 'midtrain' })).toThrow(/needs init/);
    expect(() => validateRunConfig({ ...ok, min_lr: 1 })).toThrow(/min_lr 1 is above lr/);
  });
});
