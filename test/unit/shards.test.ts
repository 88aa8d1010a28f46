import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDataset, checkDataset, promptHash, trainingPromptHashes, type EvalOptions } from '../../ts/data/build.js';
import { generateMany, TEMPLATES, type Problem } from '../../ts/data/generator.js';
import { documents, INDEX_FILE, readIndex, readShard, ShardWriter, TokenReader, writeIndex } from '../../ts/data/shards.js';
import { trainDefaultTokenizer } from '../../ts/data/tokenizer-default.js';
import type { Tokenizer } from '../../ts/data/tokenizer.js';
import { rng } from '../util/random.js';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'shards-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const SEP = 3;

/** Writes random documents into shards of `shardTokens` and an index; returns the documents. */
function writeSample(dir: string, shardTokens: number): number[][] {
  const rand = rng(12345);
  const docs = Array.from({ length: 300 }, () => Array.from({ length: 1 + Math.floor(rand() * 60) }, () => 4 + Math.floor(rand() * 60000)));
  const w = new ShardWriter(dir, SEP, shardTokens);
  docs.forEach((d) => w.add(d));
  const shards = w.finish();
  writeIndex(dir, {
    format: 'reasoning-engine/token-shards',
    version: 1,
    dtype: 'uint16',
    byteOrder: 'little',
    separatorId: SEP,
    tokenizer: { file: 'tokenizer.json', sha256: 'x', vocabSize: 65536 },
    tokens: shards.reduce((n, s) => n + s.tokens, 0),
    documents: docs.length,
    shards,
    extra: {},
  });
  return docs;
}

describe('token shards', () => {
  it('round-trip whole documents, each shard within its size, little-endian on disk', () => {
    const dir = tempDir();
    const docs = writeSample(dir, 1000);
    const index = readIndex(dir);
    expect(index.shards.length).toBeGreaterThan(5);
    const back: number[][] = [];
    for (let i = 0; i < index.shards.length; i++) {
      const tokens = readShard(dir, index, i);
      expect(tokens.length).toBeLessThanOrEqual(1000);
      for (const d of documents(tokens, SEP)) back.push([...d]);
    }
    expect(back).toEqual(docs);
    const raw = readFileSync(join(dir, index.shards[0].file));
    expect(raw[0] | (raw[1] << 8)).toBe(docs[0][0]);
  });

  it('reads all shards as one stream, and resumes exactly from a saved position', () => {
    const dir = tempDir();
    const docs = writeSample(dir, 1000);
    const all = docs.flatMap((d) => [...d, SEP]);
    const reader = new TokenReader(dir);
    const first = [...reader.read(2500)];
    const saved = reader.position;
    const rest = [...reader.read(all.length)];
    expect([...first, ...rest]).toEqual(all);
    expect(reader.read(10).length).toBe(0);
    expect([...new TokenReader(dir, saved).read(777)]).toEqual(rest.slice(0, 777));
    expect(() => new TokenReader(dir, { shard: 0, offset: 5000 })).toThrow(/is not in/);
  });

  it('gives a document longer than the shard size a shard of its own', () => {
    const dir = tempDir();
    const w = new ShardWriter(dir, SEP, 8);
    w.add([5, 6]);
    w.add(Array(20).fill(7));
    w.add([8]);
    expect(w.finish().map((s) => s.tokens)).toEqual([3, 21, 2]);
    expect(() => new ShardWriter(dir, SEP, 8).add([70000])).toThrow(/does not fit a uint16 shard/);
  });

  it('refuses a truncated, corrupted or missing shard', () => {
    const dir = tempDir();
    writeSample(dir, 1000);
    const index = readIndex(dir);
    const path = (i: number) => join(dir, index.shards[i].file);
    truncateSync(path(0), 100);
    expect(() => readShard(dir, index, 0)).toThrow(/has 100 bytes but the index says \d+ tokens .*truncated/);
    const bytes = readFileSync(path(1));
    bytes[7] ^= 1;
    writeFileSync(path(1), bytes);
    expect(() => readShard(dir, index, 1)).toThrow(/corrupted: its sha256 does not match/);
    rmSync(path(2));
    expect(() => readShard(dir, index, 2)).toThrow(/is missing/);
    expect(() => readShard(dir, index, 999)).toThrow(/shard 999 does not exist/);
    expect(readShard(dir, index, 3).length).toBe(index.shards[3].tokens);
    expect(() => [...documents(Uint16Array.of(5, SEP, 6), SEP)]).toThrow(/does not end with a separator/);
  });

  it('refuses a missing, truncated or altered index', () => {
    const dir = tempDir();
    writeSample(dir, 1000);
    const path = join(dir, INDEX_FILE);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(/"documents": 300/, '"documents": 301'));
    expect(text).toContain('"documents": 300');
    expect(() => readIndex(dir)).toThrow(/altered or corrupted: its checksum does not match/);
    writeFileSync(path, text.slice(0, text.length / 2));
    expect(() => readIndex(dir)).toThrow(/not valid JSON .*truncated or corrupted/);
    writeFileSync(path, '{"format": "other"}');
    expect(() => readIndex(dir)).toThrow(/is not a reasoning-engine\/token-shards index/);
    rmSync(path);
    expect(existsSync(path)).toBe(false);
    expect(() => readIndex(dir)).toThrow(/index.json is missing: not a dataset directory, or its build did not finish/);
  });
});

let tok: Tokenizer;
beforeAll(async () => {
  tok = await trainDefaultTokenizer({ perCell: 2 });
});

const SEED = 7;
const evalOpts = (seed: number): EvalOptions => ({ ops: [2, 3, 9], templates: TEMPLATES, modes: ['forward'], count: 8, seed });
const cellsOf = (dir: string) =>
  readIndex(dir).extra.cells as { op: number; template: string; mode: string; share: number; targetTokens: number; tokens: number; documents: number; skippedAsEval: number }[];

describe('data build', () => {
  it('writes shards whose tokens follow the mixture, and eval sets with gold solutions', async () => {
    const dir = tempDir();
    const tokens = 120_000;
    const { index, evalFiles } = await buildDataset({ out: dir, mixture: 'easy-medium-hard-0.2-0.3-0.5', tokens, seed: SEED, tokenizer: tok, shardTokens: 20_000, eval: evalOpts(SEED + 1) });
    expect(index.shards.length).toBeGreaterThan(4);
    const cells = cellsOf(dir);
    const maxDoc = Math.max(...cells.map((c) => c.tokens / c.documents)) * 3;
    for (const c of cells) {
      expect(c.tokens).toBeGreaterThanOrEqual(c.targetTokens);
      expect(c.tokens - c.targetTokens).toBeLessThan(maxDoc);
    }
    const hard = cells.filter((c) => c.op >= 8).reduce((n, c) => n + c.tokens, 0);
    expect(hard / index.tokens).toBeGreaterThan(0.49);
    expect(hard / index.tokens).toBeLessThan(0.51);
    expect(index.tokens).toBe(cells.reduce((n, c) => n + c.tokens, 0));

    expect(evalFiles).toHaveLength(3 * 3);
    const rows = readFileSync(join(dir, 'eval/teachers_in_school/op09.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Problem);
    expect(rows).toHaveLength(8);
    for (const p of rows) {
      expect(p).toMatchObject({ op: 9, template: 'teachers_in_school', mode: 'forward' });
      expect(p.solution).toContain(`Answer: ${p.answer}.`);
    }
    const check = await checkDataset(dir);
    expect(check).toMatchObject({ shards: index.shards.length, documents: index.documents, evalProblems: 72, evalInTraining: 0 });
  });

  it('keeps every evaluation problem out of training, checked by prompt hash', async () => {
    // Same seed for eval and training: without the exclusion the first training problems of each
    // eval cell would be exactly the eval problems, as the control build shows.
    const control = tempDir();
    const mixture = { ops: { '2-3': 1 }, modes: { forward: 1 } };
    await buildDataset({ out: control, mixture, tokens: 30_000, seed: SEED, tokenizer: tok });
    const evalProblems = (await Promise.all([2, 3].flatMap((op) => TEMPLATES.map((template) => generateMany({ seed: SEED, op, template, mode: 'forward', count: 8 }))))).flat();
    const controlPrompts = trainingPromptHashes(control, readIndex(control), tok);
    expect(evalProblems.filter((p) => controlPrompts.has(promptHash(p))).length).toBe(evalProblems.length);

    const dir = tempDir();
    await buildDataset({ out: dir, mixture, tokens: 30_000, seed: SEED, tokenizer: tok, eval: { ...evalOpts(SEED), ops: [2, 3] } });
    const skipped = cellsOf(dir).reduce((n, c) => n + c.skippedAsEval, 0);
    expect(skipped).toBeGreaterThanOrEqual(evalProblems.length);
    const prompts = trainingPromptHashes(dir, readIndex(dir), tok);
    expect(evalProblems.filter((p) => prompts.has(promptHash(p)))).toEqual([]);
    expect((await checkDataset(dir)).evalInTraining).toBe(0);
  });

  it('is reproducible: the same options give the same shards', async () => {
    const opts = { mixture: { ops: { '4': 0.5, '12': 0.5 } }, tokens: 20_000, seed: 3, tokenizer: tok, shardTokens: 5000 };
    const a = await buildDataset({ ...opts, out: tempDir() });
    const b = await buildDataset({ ...opts, out: tempDir() });
    expect(b.index.shards).toEqual(a.index.shards);
    const c = await buildDataset({ ...opts, seed: 4, out: tempDir() });
    expect(c.index.shards[0].sha256).not.toBe(a.index.shards[0].sha256);
  });

  it('replaces an old dataset, and refuses a directory with other files or a bad mixture', async () => {
    const opts = { mixture: { ops: { '5': 1 } }, tokens: 4000, seed: 1, tokenizer: tok, shardTokens: 500 };
    const dir = tempDir();
    const big = await buildDataset({ ...opts, out: dir });
    const small = await buildDataset({ ...opts, tokens: 1000, out: dir });
    expect(big.index.shards.length).toBeGreaterThan(small.index.shards.length);
    expect(existsSync(join(dir, big.index.shards.at(-1)!.file))).toBe(false);
    expect((await checkDataset(dir)).shards).toBe(small.index.shards.length);
    const used = tempDir();
    writeFileSync(join(used, 'notes.txt'), '');
    await expect(buildDataset({ ...opts, out: used })).rejects.toThrow(/holds files that are not a dataset's \(notes.txt\)/);
    await expect(buildDataset({ out: tempDir(), mixture: { ops: { '2': 0.7, '3': 0.7 } }, tokens: 1000, seed: 1, tokenizer: tok })).rejects.toThrow(/shares sum to 1.4/);
  });
});
