// `data build`: evaluation sets first, then training shards whose tokens follow a mixture
// (ts/data/mixture.ts). Every cell (op, template, mode) gets a token budget, share x total;
// documents are drawn from the cells at random in proportion to the documents they still need
// (seeded), so each shard is a mix of all cells, and a cell stops once its budget is spent
// (overshooting by at most one document). Any training problem
// whose prompt equals an evaluation prompt (compared by sha256) is skipped, so no evaluation problem
// is ever trained on. The dataset is written into DIR.partial and renamed to DIR when complete, so
// an old dataset stays whole until then. After each shard the build's state is saved
// (build-state.json), so a build killed midway (or failed: a full disk) and run again with the same
// options resumes after the last saved shard and writes the same dataset.
import { joinPath, readRequired, readText, type RunStore } from '../store/store.js';
import { sha256Hex } from '../util/hash.js';
import { generateMany, promptText, trainingText, type Mode, type Problem, type Template } from './generator.js';
import { parseMixture, type Cell } from './mixture.js';
import {
  documents,
  INDEX_FILE,
  INDEX_FORMAT,
  INDEX_VERSION,
  readIndex,
  readShard,
  REBUILD,
  ShardWriter,
  writeIndex,
  type ShardEntry,
  type ShardIndex,
} from './shards.js';
import type { Tokenizer } from './tokenizer.js';
import type { OnProgress } from '../util/progress.js';
import { readTokenizerFile, tokenizerHash, writeTokenizerFile } from './tokenizer-file.js';

export interface EvalOptions {
  ops: number[];
  templates: readonly Template[];
  modes: readonly Mode[];
  /** Problems per (op, template, mode). */
  count: number;
  seed: number;
}

export interface BuildOptions {
  /** The dataset's directory in the store. */
  out: string;
  /** Mixture spec: object, JSON text or preset name. */
  mixture: unknown;
  /** Training tokens to write (separators included). */
  tokens: number;
  seed: number;
  tokenizer: Tokenizer;
  shardTokens?: number;
  eval?: EvalOptions;
  /** Reports the phases 'eval sets' (files written) and 'training shards' (tokens written). */
  onProgress?: OnProgress;
}

export interface BuildResult {
  index: ShardIndex;
  evalFiles: { file: string; op: number; template: Template; count: number; sha256: string }[];
  /** Shards kept from an interrupted build of the same options (0: built from the start). */
  resumedShards: number;
}

/** Tokens per training shard file unless asked otherwise. */
export const DEFAULT_SHARD_TOKENS = 1 << 24;

/** Problems fetched from a cell's stream at a time. */
const BATCH = 64;
/** Tokens a cell's document is assumed to have before one is seen. */
const PRIOR_DOC_TOKENS = 300;

/** The key under which evaluation problems are kept out of training: sha256 of the prompt. */
export function promptHash(p: Problem): Promise<string> {
  return sha256Hex(promptText(p));
}

/**
 * The prompt hashes of many problems, in order. WebCrypto digests are asynchronous and cost about
 * ten times node:crypto's one at a time; started together they overlap.
 */
function promptHashes(problems: readonly Problem[]): Promise<string[]> {
  return Promise.all(problems.map(promptHash));
}

/** A seeded uniform [0, 1) stream (mulberry32): the build's cell choices; `state` resumes it. */
class Random {
  constructor(public state: number) {}

  next(): number {
    const s = (this.state = (this.state + 0x6d2b79f5) | 0);
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t ^= t + Math.imul(t ^ (t >>> 7), 61 | t);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  }
}

/** Where a cell's stream is: all a resumed build needs to continue it. */
interface StreamState {
  next: number;
  buffered: number;
  remaining: number;
  tokens: number;
  documents: number;
  skipped: number;
}

/** A problem and its prompt hash. */
interface Drawn {
  problem: Problem;
  hash: string;
}

/** A cell's problem stream, fetched in batches. */
class CellStream {
  private next = 0;
  private buffer: Drawn[] = [];
  remaining: number;
  tokens = 0;
  documents = 0;
  skipped = 0;

  constructor(
    readonly cell: Cell,
    readonly target: number,
    private readonly seed: number,
  ) {
    this.remaining = target;
  }

  async take(): Promise<Drawn> {
    if (this.buffer.length === 0) await this.fetch(BATCH);
    return this.buffer.pop()!;
  }

  get state(): StreamState {
    const { next, remaining, tokens, documents, skipped } = this;
    return { next, buffered: this.buffer.length, remaining, tokens, documents, skipped };
  }

  async restore(s: StreamState): Promise<void> {
    ({
      next: this.next,
      remaining: this.remaining,
      tokens: this.tokens,
      documents: this.documents,
      skipped: this.skipped,
    } = s);
    if (s.buffered === 0) return;
    this.next -= BATCH;
    await this.fetch(s.buffered);
  }

  /** The last `keep` problems of the batch at `next` (the ones not taken yet), next in line last. */
  private async fetch(keep: number): Promise<void> {
    const { op, template, mode } = this.cell;
    const batch = await generateMany({ seed: this.seed, op, template, mode, start: this.next, count: BATCH });
    const kept = batch.slice(BATCH - keep).reverse();
    const hashes = await promptHashes(kept);
    this.buffer = kept.map((problem, i) => ({ problem, hash: hashes[i] }));
    this.next += BATCH;
  }
}

/** What build-state.json holds: the options it is for, the shards written and the state after them. */
interface BuildState {
  key: string;
  shards: ShardEntry[];
  pending: ShardWriter['pending'];
  rng: number;
  streams: StreamState[];
  written: number;
}

const STATE_FILE = 'build-state.json';

async function saveState(store: RunStore, dir: string, state: BuildState): Promise<void> {
  await store.write(joinPath(dir, STATE_FILE), JSON.stringify(state));
}

/** The saved state of an interrupted build of `key` in `dir` whose shards are all intact, if any. */
async function savedState(store: RunStore, dir: string, key: string): Promise<BuildState | undefined> {
  const text = await readText(store, joinPath(dir, STATE_FILE));
  if (text === undefined) return undefined;
  let state: BuildState;
  try {
    state = JSON.parse(text);
  } catch {
    return undefined; // cut short by a kill
  }
  if (state.key !== key) return undefined;
  for (const s of state.shards) {
    const bytes = await store.read(joinPath(dir, s.file));
    if (!bytes || (await sha256Hex(bytes)) !== s.sha256) return undefined;
  }
  return state;
}

async function buildEval(
  store: RunStore,
  out: string,
  o: EvalOptions,
  onProgress?: OnProgress,
): Promise<{ files: BuildResult['evalFiles']; hashes: Set<string> }> {
  const hashes = new Set<string>();
  const files: BuildResult['evalFiles'] = [];
  const total = o.templates.length * o.ops.length;
  const report = () => onProgress?.({ phase: 'eval sets', done: files.length, total, unit: 'files' });
  report();
  for (const template of o.templates) {
    await store.mkdir(joinPath(out, 'eval', template));
    for (const op of o.ops) {
      const rows: Problem[] = [];
      for (const mode of o.modes) {
        // Distinct prompts only: draw from the stream until `count` new ones are found.
        let start = 0;
        let found = 0;
        while (found < o.count) {
          if (start > 50 * o.count + 1000)
            throw new Error(`eval op ${op} ${template} ${mode}: could not find ${o.count} distinct problems`);
          const batch = await generateMany({
            seed: o.seed,
            op,
            template,
            mode,
            start,
            count: Math.min(BATCH, 2 * (o.count - found)),
          });
          start += batch.length;
          const batchHashes = await promptHashes(batch);
          for (const [i, p] of batch.entries()) {
            const h = batchHashes[i];
            if (found < o.count && !hashes.has(h)) {
              hashes.add(h);
              rows.push(p);
              found++;
            }
          }
        }
      }
      const file = joinPath('eval', template, `op${String(op).padStart(2, '0')}.jsonl`);
      const text = rows.map((p) => JSON.stringify(p)).join('\n') + '\n';
      await store.write(joinPath(out, file), text);
      files.push({ file, op, template, count: rows.length, sha256: await sha256Hex(text) });
      report();
    }
  }
  return { files, hashes };
}

/** What a dataset directory holds; an old dataset is replaced, anything else refused. */
const DATASET_ENTRY = /^(train-\d{5}\.bin|(index|build-state)\.json(\.tmp)?|tokenizer\.json|eval)$/;

async function refuseForeign(store: RunStore, dir: string): Promise<void> {
  const foreign = (await store.list(dir)).filter((e) => !DATASET_ENTRY.test(e));
  if (foreign.length)
    throw new Error(
      `${dir} holds files that are not a dataset's (${foreign.slice(0, 3).join(', ')}); give data build a new or empty directory`,
    );
}

/**
 * Refuses a `dir` that holds anything but a dataset, and returns the directory to build in,
 * DIR.partial: emptied for a build of `key`, or, when it holds an interrupted build of the same
 * options, with that build's saved shards kept and its state.
 */
async function prepareOut(store: RunStore, dir: string, key: string): Promise<{ work: string; state?: BuildState }> {
  await refuseForeign(store, dir);
  const work = `${dir}.partial`;
  await refuseForeign(store, work);
  const state = await savedState(store, work, key);
  const keep = new Set([STATE_FILE, ...(state?.shards.map((s) => s.file) ?? [])]);
  for (const e of await store.list(work)) if (!state || !keep.has(e)) await store.remove(joinPath(work, e));
  await store.mkdir(work);
  return { work, state };
}

/** Puts the complete dataset `work` at `dir`; the old index goes first, so a half-removed dataset never looks complete. */
async function replaceDir(store: RunStore, work: string, dir: string): Promise<void> {
  if (await store.exists(dir)) {
    await store.remove(joinPath(dir, INDEX_FILE));
    await store.remove(dir);
  }
  await store.rename(work, dir);
}

export async function buildDataset(store: RunStore, o: BuildOptions): Promise<BuildResult> {
  const cells = parseMixture(o.mixture);
  if (!Number.isSafeInteger(o.tokens) || o.tokens < 1)
    throw new Error(`tokens must be a positive integer, got ${o.tokens}`);
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new Error(`seed must be a non-negative integer, got ${o.seed}`);
  if (o.tokenizer.vocabSize > 0x10000)
    throw new Error(`the tokenizer has ${o.tokenizer.vocabSize} ids; uint16 shards hold at most 65536`);
  const shardTokens = o.shardTokens ?? DEFAULT_SHARD_TOKENS;
  const tokenizer = await tokenizerHash(o.tokenizer);
  const key = await sha256Hex(
    JSON.stringify({ cells, tokens: o.tokens, seed: o.seed, tokenizer, shardTokens, eval: o.eval ?? null }),
  );
  const { work, state: resume } = await prepareOut(store, o.out, key);
  const tokenizerFile = 'tokenizer.json';
  await writeTokenizerFile(store, joinPath(work, tokenizerFile), o.tokenizer);

  const evalSets = o.eval
    ? await buildEval(store, work, o.eval, o.onProgress)
    : { files: [], hashes: new Set<string>() };

  const separatorId = o.tokenizer.specialId('[EOS]');
  const writer = new ShardWriter(store, work, separatorId, shardTokens);
  const streams = cells.map((c) => new CellStream(c, Math.round(c.share * o.tokens), o.seed));
  const rng = new Random((o.seed ^ 0x9e3779b9) >>> 0);
  let written = 0;
  if (resume) {
    writer.restore(resume.shards, resume.pending);
    for (const [i, s] of streams.entries()) await s.restore(resume.streams[i]);
    ({ rng: rng.state, written } = resume);
  }
  // A cell stops one document past its budget: the count is capped, and the end reported after the loop.
  const report = (done = Math.min(written, o.tokens)) =>
    o.onProgress?.({ phase: 'training shards', done, total: o.tokens, unit: 'tokens' });
  report();
  for (;;) {
    // Weights are the documents each cell still needs (remaining tokens over its mean document
    // length so far), so that every cell is spent at the same pace and each shard is a mix of all.
    const weights = streams.map((s) =>
      s.remaining > 0 ? s.remaining / (s.documents ? s.tokens / s.documents : PRIOR_DOC_TOKENS) : 0,
    );
    const open = weights.reduce((a, b) => a + b, 0);
    if (open <= 0) break;
    let r = rng.next() * open;
    let k = 0;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] <= 0) continue;
      k = i; // the last open cell, should rounding leave r >= 0
      if ((r -= weights[i]) < 0) break;
    }
    const s = streams[k];
    const { problem: p, hash } = await s.take();
    if (evalSets.hashes.has(hash)) {
      if (++s.skipped > 1000 + 10 * s.documents)
        throw new Error(
          `op ${s.cell.op} ${s.cell.template} ${s.cell.mode}: nearly every problem is an evaluation problem; ask for fewer evaluation problems`,
        );
      continue;
    }
    const ids = o.tokenizer.encode(trainingText(p));
    const shardsBefore = writer.shards.length;
    await writer.add(ids);
    s.remaining -= ids.length + 1;
    s.tokens += ids.length + 1;
    s.documents++;
    written += ids.length + 1;
    report();
    if (writer.shards.length > shardsBefore) {
      const { shards, pending } = writer;
      await saveState(store, work, {
        key,
        shards,
        pending,
        rng: rng.state,
        streams: streams.map((c) => c.state),
        written,
      });
    }
  }
  const shards = await writer.finish();
  report(o.tokens);

  const index = await writeIndex(store, work, {
    format: INDEX_FORMAT,
    version: INDEX_VERSION,
    dtype: 'uint16',
    byteOrder: 'little',
    separatorId,
    tokenizer: { file: tokenizerFile, sha256: tokenizer, vocabSize: o.tokenizer.vocabSize },
    tokens: written,
    documents: streams.reduce((n, s) => n + s.documents, 0),
    shards,
    extra: {
      seed: o.seed,
      targetTokens: o.tokens,
      mixture: typeof o.mixture === 'string' && o.mixture.trim().startsWith('{') ? JSON.parse(o.mixture) : o.mixture,
      cells: streams.map((s) => ({
        ...s.cell,
        targetTokens: s.target,
        tokens: s.tokens,
        documents: s.documents,
        skippedAsEval: s.skipped,
      })),
      eval: o.eval ? { ...o.eval, files: evalSets.files } : null,
    },
  });
  await store.remove(joinPath(work, STATE_FILE));
  await replaceDir(store, work, o.out);
  return { index, evalFiles: evalSets.files, resumedShards: resume?.shards.length ?? 0 };
}

export interface CheckResult {
  shards: number;
  documents: number;
  tokens: number;
  evalProblems: number;
  /** Training documents whose prompt is an evaluation prompt: 0 for a sound dataset. */
  evalInTraining: number;
}

/**
 * Reads a dataset back and checks it whole: the index, every shard (length and sha256), every
 * evaluation file (sha256), and that no training document's prompt is an evaluation prompt.
 * Reports the phase 'training documents' (documents read) to `onProgress`.
 */
export async function checkDataset(store: RunStore, dir: string, onProgress?: OnProgress): Promise<CheckResult> {
  const index = await readIndex(store, dir);
  const tokenizer = await readTokenizerFile(store, joinPath(dir, index.tokenizer.file));
  if ((await tokenizerHash(tokenizer)) !== index.tokenizer.sha256)
    throw new Error(`${dir}: ${index.tokenizer.file} is not the tokenizer the shards were written with`);
  const evalHashes = new Set<string>();
  const evalInfo = index.extra.eval as { files: BuildResult['evalFiles'] } | null;
  for (const f of evalInfo?.files ?? []) {
    const path = joinPath(dir, f.file);
    const bytes = await readRequired(store, path, '', REBUILD);
    if ((await sha256Hex(bytes)) !== f.sha256)
      throw new Error(`${path} is corrupted: its sha256 does not match the index`);
    const text = new TextDecoder().decode(bytes);
    const problems = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Problem);
    for (const h of await promptHashes(problems)) evalHashes.add(h);
  }
  const training = await trainingPromptHashes(store, dir, index, tokenizer, onProgress);
  const docs = [...training.values()].reduce((a, b) => a + b, 0);
  let leaks = 0;
  for (const h of evalHashes) leaks += training.get(h) ?? 0;
  if (docs !== index.documents)
    throw new Error(`${dir}: the shards hold ${docs} documents but the index says ${index.documents}`);
  return {
    shards: index.shards.length,
    documents: docs,
    tokens: index.tokens,
    evalProblems: evalHashes.size,
    evalInTraining: leaks,
  };
}

/** How many training documents have each prompt (by sha256), reading and checking every shard. */
export async function trainingPromptHashes(
  store: RunStore,
  dir: string,
  index: ShardIndex,
  tokenizer: Tokenizer,
  onProgress?: OnProgress,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  const open = '<solution>';
  let read = 0;
  const report = () =>
    onProgress?.({ phase: 'training documents', done: read, total: index.documents, unit: 'documents' });
  report();
  const count = async (prompts: string[]) => {
    for (const h of await Promise.all(prompts.map((p) => sha256Hex(p)))) {
      counts.set(h, (counts.get(h) ?? 0) + 1);
      read++;
      report();
    }
  };
  for (let i = 0; i < index.shards.length; i++) {
    let prompts: string[] = [];
    for (const doc of documents(await readShard(store, dir, index, i), index.separatorId)) {
      const text = tokenizer.decode(doc);
      prompts.push(text.slice(0, text.indexOf(open) + open.length));
      if (prompts.length === BATCH) {
        await count(prompts); // hashed BATCH at a time (see promptHashes)
        prompts = [];
      }
    }
    await count(prompts);
  }
  return counts;
}
