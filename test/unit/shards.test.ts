import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeStore } from '../../ts/io/node-store.js';
import { buildDataset, checkDataset, promptHash, trainingPromptHashes, type EvalOptions } from '../../ts/data/build.js';
import { generateMany, TEMPLATES, type Problem } from '../../ts/data/generator.js';
import {
  documents,
  INDEX_FILE,
  readIndex,
  readShard,
  ShardWriter,
  TokenReader,
  writeIndex,
} from '../../ts/data/shards.js';
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
const store = new NodeStore();

/** Writes random documents into shards of `shardTokens` and an index; returns the documents. */
async function writeSample(dir: string, shardTokens: number): Promise<number[][]> {
  const rand = rng(12345);
  const docs = Array.from({ length: 300 }, () =>
    Array.from({ length: 1 + Math.floor(rand() * 60) }, () => 4 + Math.floor(rand() * 60000)),
  );
  const w = new ShardWriter(store, dir, SEP, shardTokens);
  for (const d of docs) await w.add(d);
  const shards = await w.finish();
  await writeIndex(store, dir, {
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
  it('round-trip whole documents, each shard within its size, little-endian on disk', async () => {
    const dir = tempDir();
    const docs = await writeSample(dir, 1000);
    const index = await readIndex(store, dir);
    expect(index.shards.length).toBeGreaterThan(5);
    const back: number[][] = [];
    for (let i = 0; i < index.shards.length; i++) {
      const tokens = await readShard(store, dir, index, i);
      expect(tokens.length).toBeLessThanOrEqual(1000);
      for (const d of documents(tokens, SEP)) back.push([...d]);
    }
    expect(back).toEqual(docs);
    const raw = readFileSync(join(dir, index.shards[0].file));
    expect(raw[0] | (raw[1] << 8)).toBe(docs[0][0]);
  });

  it('reads all shards as one stream, and resumes exactly from a saved position', async () => {
    const dir = tempDir();
    const docs = await writeSample(dir, 1000);
    const all = docs.flatMap((d) => [...d, SEP]);
    const reader = await TokenReader.open(store, dir);
    const first = [...(await reader.read(2500))];
    const saved = reader.position;
    const rest = [...(await reader.read(all.length))];
    expect([...first, ...rest]).toEqual(all);
    expect((await reader.read(10)).length).toBe(0);
    expect([...(await (await TokenReader.open(store, dir, saved)).read(777))]).toEqual(rest.slice(0, 777));
    await expect(TokenReader.open(store, dir, { shard: 0, offset: 5000 })).rejects.toThrow(/is not in/);
  });

  it('gives a document longer than the shard size a shard of its own', async () => {
    const dir = tempDir();
    const w = new ShardWriter(store, dir, SEP, 8);
    await w.add([5, 6]);
    await w.add(Array(20).fill(7));
    await w.add([8]);
    expect((await w.finish()).map((s) => s.tokens)).toEqual([3, 21, 2]);
    await expect(new ShardWriter(store, dir, SEP, 8).add([70000])).rejects.toThrow(/does not fit a uint16 shard/);
  });

  it('refuses a truncated, corrupted or missing shard', async () => {
    const dir = tempDir();
    await writeSample(dir, 1000);
    const index = await readIndex(store, dir);
    const path = (i: number) => join(dir, index.shards[i].file);
    truncateSync(path(0), 100);
    await expect(readShard(store, dir, index, 0)).rejects.toThrow(
      /has 100 bytes but the index says \d+ tokens .*truncated/,
    );
    const bytes = readFileSync(path(1));
    bytes[7] ^= 1;
    writeFileSync(path(1), bytes);
    await expect(readShard(store, dir, index, 1)).rejects.toThrow(/corrupted: its sha256 does not match/);
    rmSync(path(2));
    await expect(readShard(store, dir, index, 2)).rejects.toThrow(/is missing/);
    await expect(readShard(store, dir, index, 999)).rejects.toThrow(/shard 999 does not exist/);
    expect((await readShard(store, dir, index, 3)).length).toBe(index.shards[3].tokens);
    expect(() => [...documents(Uint16Array.of(5, SEP, 6), SEP)]).toThrow(/does not end with a separator/);
  });

  it('refuses a missing, truncated or altered index', async () => {
    const dir = tempDir();
    await writeSample(dir, 1000);
    const path = join(dir, INDEX_FILE);
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.replace(/"documents": 300/, '"documents": 301'));
    expect(text).toContain('"documents": 300');
    await expect(readIndex(store, dir)).rejects.toThrow(/altered or corrupted: its checksum does not match/);
    writeFileSync(path, text.slice(0, text.length / 2));
    await expect(readIndex(store, dir)).rejects.toThrow(/not valid JSON .*truncated or corrupted/);
    writeFileSync(path, '{"format": "other"}');
    await expect(readIndex(store, dir)).rejects.toThrow(/is not a reasoning-engine\/token-shards index/);
    rmSync(path);
    expect(existsSync(path)).toBe(false);
    await expect(readIndex(store, dir)).rejects.toThrow(
      /index.json is missing: not a dataset directory, or its build did not finish/,
    );
  });
});

let tok: Tokenizer;
beforeAll(async () => {
  tok = await trainDefaultTokenizer({ perCell: 2 });
});

const SEED = 7;
const evalOpts = (seed: number): EvalOptions => ({
  ops: [2, 3, 9],
  templates: TEMPLATES,
  modes: ['forward'],
  count: 8,
  seed,
});
const cellsOf = async (dir: string) =>
  (await readIndex(store, dir)).extra.cells as {
    op: number;
    template: string;
    mode: string;
    share: number;
    targetTokens: number;
    tokens: number;
    documents: number;
    skippedAsEval: number;
  }[];

describe('data build', () => {
  it('writes shards whose tokens follow the mixture, and eval sets with gold solutions', async () => {
    const dir = tempDir();
    const tokens = 120_000;
    const { index, evalFiles } = await buildDataset(store, {
      out: dir,
      mixture: 'easy-medium-hard-0.2-0.3-0.5',
      tokens,
      seed: SEED,
      tokenizer: tok,
      shardTokens: 20_000,
      eval: evalOpts(SEED + 1),
    });
    expect(index.shards.length).toBeGreaterThan(4);
    const cells = await cellsOf(dir);
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
    const rows = readFileSync(join(dir, 'eval/teachers_in_school/op09.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Problem);
    expect(rows).toHaveLength(8);
    for (const p of rows) {
      expect(p).toMatchObject({ op: 9, template: 'teachers_in_school', mode: 'forward' });
      expect(p.solution).toContain(`Answer: ${p.answer}.`);
    }
    const check = await checkDataset(store, dir);
    expect(check).toMatchObject({
      shards: index.shards.length,
      documents: index.documents,
      evalProblems: 72,
      evalInTraining: 0,
    });
  });

  it('keeps every evaluation problem out of training, checked by prompt hash', async () => {
    // Same seed for eval and training: without the exclusion the first training problems of each
    // eval cell would be exactly the eval problems, as the control build shows.
    const control = tempDir();
    const mixture = { ops: { '2-3': 1 }, modes: { forward: 1 } };
    await buildDataset(store, { out: control, mixture, tokens: 30_000, seed: SEED, tokenizer: tok });
    const evalProblems = (
      await Promise.all(
        [2, 3].flatMap((op) =>
          TEMPLATES.map((template) => generateMany({ seed: SEED, op, template, mode: 'forward', count: 8 })),
        ),
      )
    ).flat();
    const controlPrompts = await trainingPromptHashes(store, control, await readIndex(store, control), tok);
    const hashes = await Promise.all(evalProblems.map(promptHash));
    expect(hashes.filter((h) => controlPrompts.has(h)).length).toBe(evalProblems.length);

    const dir = tempDir();
    await buildDataset(store, {
      out: dir,
      mixture,
      tokens: 30_000,
      seed: SEED,
      tokenizer: tok,
      eval: { ...evalOpts(SEED), ops: [2, 3] },
    });
    const skipped = (await cellsOf(dir)).reduce((n, c) => n + c.skippedAsEval, 0);
    expect(skipped).toBeGreaterThanOrEqual(evalProblems.length);
    const prompts = await trainingPromptHashes(store, dir, await readIndex(store, dir), tok);
    expect(hashes.filter((h) => prompts.has(h))).toEqual([]);
    expect((await checkDataset(store, dir)).evalInTraining).toBe(0);
  });

  it('is reproducible: the same options give the same shards', async () => {
    const opts = {
      mixture: { ops: { '4': 0.5, '12': 0.5 } },
      tokens: 20_000,
      seed: 3,
      tokenizer: tok,
      shardTokens: 5000,
    };
    const a = await buildDataset(store, { ...opts, out: tempDir() });
    const b = await buildDataset(store, { ...opts, out: tempDir() });
    expect(b.index.shards).toEqual(a.index.shards);
    const c = await buildDataset(store, { ...opts, seed: 4, out: tempDir() });
    expect(c.index.shards[0].sha256).not.toBe(a.index.shards[0].sha256);
  });

  it('replaces an old dataset, and refuses a directory with other files or a bad mixture', async () => {
    const opts = { mixture: { ops: { '5': 1 } }, tokens: 4000, seed: 1, tokenizer: tok, shardTokens: 500 };
    const dir = tempDir();
    const big = await buildDataset(store, { ...opts, out: dir });
    const small = await buildDataset(store, { ...opts, tokens: 1000, out: dir });
    expect(big.index.shards.length).toBeGreaterThan(small.index.shards.length);
    expect(existsSync(join(dir, big.index.shards.at(-1)!.file))).toBe(false);
    expect((await checkDataset(store, dir)).shards).toBe(small.index.shards.length);
    const used = tempDir();
    writeFileSync(join(used, 'notes.txt'), '');
    await expect(buildDataset(store, { ...opts, out: used })).rejects.toThrow(
      /holds files that are not a dataset's \(notes.txt\)/,
    );
    await expect(
      buildDataset(store, {
        out: tempDir(),
        mixture: { ops: { '2': 0.7, '3': 0.7 } },
        tokens: 1000,
        seed: 1,
        tokenizer: tok,
      }),
    ).rejects.toThrow(/shares sum to 1.4/);
  });
});
