// `data tokenizer`, `data build` and `data check`: the default tokenizer, training shards plus
// evaluation sets from a mixture, and a full read-back check of a built dataset.
import { existsSync } from 'node:fs';
import { checkWritable, readInput } from '../../../ts/io/files.js';
import { emit, log } from '../../../ts/io/stdio.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { MODES, TEMPLATES, type Mode, type Template } from '../../../ts/data/generator.js';
import { buildDataset, checkDataset, DEFAULT_SHARD_TOKENS } from '../../../ts/data/build.js';
import { opsOfKey, parseMixture, PRESETS } from '../../../ts/data/mixture.js';
import { DEFAULT_CORPUS_PER_CELL, DEFAULT_CORPUS_SEED, trainDefaultTokenizer } from '../../../ts/data/tokenizer-default.js';
import { readTokenizerFile, tokenizerHash, writeTokenizerFile } from '../../../ts/data/tokenizer-file.js';
import { DEFAULT_VOCAB_SIZE } from '../../../ts/data/tokenizer-train.js';
import type { Args } from '../args.js';
import type { Command } from './types.js';

/** The default tokenizer's options: `data tokenizer`, and `data build` without --tokenizer. */
const DEFAULT_TOKENIZER_OPTIONS = ['vocab-size', 'corpus-seed', 'corpus-per-cell'];
const DEFAULT_TOKENIZER_HELP =
  `[--vocab-size ${DEFAULT_VOCAB_SIZE}] [--corpus-seed ${DEFAULT_CORPUS_SEED}] [--corpus-per-cell ${DEFAULT_CORPUS_PER_CELL}]`;

function defaultTokenizerOptions(args: Args) {
  return {
    seed: args.int('corpus-seed', DEFAULT_CORPUS_SEED),
    perCell: args.int('corpus-per-cell', DEFAULT_CORPUS_PER_CELL),
    vocabSize: args.int('vocab-size', DEFAULT_VOCAB_SIZE),
  };
}

function list<T extends string>(option: string, value: string, names: readonly T[]): T[] {
  const items = value === 'all' ? [...names] : value.split(',');
  for (const n of items) if (!names.includes(n as T)) throw new Error(`--${option}: unknown '${n}'; choose from ${names.join(', ')} or all`);
  return items as T[];
}

export const tokenizer: Command = {
  summary:
    `train the default tokenizer on a seeded generated corpus, written as a tokenizer.json: --out PATH ${DEFAULT_TOKENIZER_HELP}`,
  async run(args) {
    const out = args.str('out');
    const options = defaultTokenizerOptions(args);
    args.checkAllUsed();
    checkWritable(out);
    const t0 = performance.now();
    const tok = await trainDefaultTokenizer(options);
    await writeTokenizerFile(new NodeStore(), out, tok);
    emit({ path: out, vocabSize: tok.vocabSize, sha256: await tokenizerHash(tok), seconds: +((performance.now() - t0) / 1000).toFixed(2) });
  },
};

export const build: Command = {
  summary:
    'training shards + eval sets: --out DIR --tokens N ' +
    `[--mixture uniform|${Object.keys(PRESETS).filter((p) => p !== 'uniform').join('|')}|JSON|FILE] ` +
    `[--seed 1] [--shard-tokens ${DEFAULT_SHARD_TOKENS}] [--eval-ops 2-20|2,5,11-14] [--eval-templates all|T,T] ` +
    '[--eval-modes forward|reverse|all] [--eval-count 200 (per op, template and mode)] [--eval-seed SEED+1000003] [--no-eval] ' +
    `[--tokenizer PATH, else the default one, trained with:] ${DEFAULT_TOKENIZER_HELP}`,
  async run(args) {
    const out = args.str('out');
    const tokens = args.int('tokens');
    const spec = args.str('mixture', 'uniform');
    const seed = args.int('seed', 1);
    const tokPath = args.optStr('tokenizer');
    const tokOptions = defaultTokenizerOptions(args);
    if (tokPath && DEFAULT_TOKENIZER_OPTIONS.some((o) => args.has(o)))
      throw new Error(`--${DEFAULT_TOKENIZER_OPTIONS.join(', --')} shape the default tokenizer: drop them, or drop --tokenizer`);
    const shardTokens = args.int('shard-tokens', DEFAULT_SHARD_TOKENS);
    const noEval = args.has('no-eval');
    const evalOpts = {
      ops: [...new Set(args.str('eval-ops', '2-20').split(',').flatMap(opsOfKey))].sort((a, b) => a - b),
      templates: list<Template>('eval-templates', args.str('eval-templates', 'all'), TEMPLATES),
      modes: list<Mode>('eval-modes', args.str('eval-modes', 'forward'), MODES),
      count: args.int('eval-count', 200),
      seed: args.int('eval-seed', seed + 1_000_003),
    };
    const mixture = !spec.trim().startsWith('{') && existsSync(spec) ? readInput(spec, 'mixture').toString('utf8') : spec;
    parseMixture(mixture); // refuse a bad mixture before any work
    args.checkAllUsed();
    const store = new NodeStore();
    const tok = tokPath ? await readTokenizerFile(store, tokPath) : await trainDefaultTokenizer(tokOptions);
    if (!tokPath) log(`no --tokenizer: trained the default one (${tok.vocabSize} ids); the dataset keeps it as tokenizer.json`);
    const t0 = performance.now();
    const { index, resumedShards } = await buildDataset(store, {
      out,
      mixture,
      tokens,
      seed,
      tokenizer: tok,
      shardTokens,
      eval: noEval ? undefined : evalOpts,
      onProgress: terminalReporter('data build:').progress,
    });
    if (resumedShards) log(`resumed an interrupted build of these options in ${out}: ${resumedShards} shards kept`);
    emit({ out, tokens: index.tokens, documents: index.documents, shards: index.shards.length, tokenizer: index.tokenizer, seconds: +((performance.now() - t0) / 1000).toFixed(2) });
  },
};

export const check: Command = {
  summary: 'read a built dataset back: every shard and eval file against its hash, and no eval prompt in training: --dir DIR',
  async run(args) {
    const dir = args.str('dir');
    args.checkAllUsed();
    const result = await checkDataset(new NodeStore(), dir, terminalReporter('data check:').progress);
    emit(result);
    if (result.evalInTraining > 0) throw new Error(`${result.evalInTraining} training documents are evaluation problems`);
  },
};
