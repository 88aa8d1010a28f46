// `data tokenizer`, `data build` and `data check`: the default tokenizer, training shards plus
// evaluation sets from a mixture, and a full read-back check of a built dataset.
import { existsSync } from 'node:fs';
import { checkWritable, readInput } from '../../../ts/io/files.js';
import { emit, log } from '../../../ts/io/stdio.js';
import { terminalReporter } from '../../../ts/io/terminal.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { MODES, TEMPLATES, type Mode, type Template } from '../../../ts/data/generator.js';
import { buildDataset, checkDataset, DEFAULT_SHARD_TOKENS } from '../../../ts/data/build.js';
import { opList, parseMixture, PRESETS } from '../../../ts/data/mixture.js';
import {
  DEFAULT_CORPUS_PER_CELL,
  DEFAULT_CORPUS_SEED,
  trainDefaultTokenizer,
} from '../../../ts/data/tokenizer-default.js';
import { readTokenizerFile, tokenizerHash, writeTokenizerFile } from '../../../ts/data/tokenizer-file.js';
import { DEFAULT_VOCAB_SIZE } from '../../../ts/data/tokenizer-train.js';
import type { Args, Command, Options } from '../options.js';

/** The default tokenizer's options: `data tokenizer`, and `data build` without --tokenizer. */
const TOKENIZER_OPTIONS: Options = {
  'vocab-size': { type: 'int', default: DEFAULT_VOCAB_SIZE, help: 'the default tokenizer: ids in its vocabulary' },
  'corpus-seed': {
    type: 'int',
    default: DEFAULT_CORPUS_SEED,
    help: 'the default tokenizer: seed of its training corpus',
  },
  'corpus-per-cell': {
    type: 'int',
    default: DEFAULT_CORPUS_PER_CELL,
    help: 'the default tokenizer: corpus problems per op, template and mode',
  },
};

function defaultTokenizerOptions(args: Args) {
  return { seed: args.num('corpus-seed'), perCell: args.num('corpus-per-cell'), vocabSize: args.num('vocab-size') };
}

function list<T extends string>(value: string, names: readonly T[]): T[] {
  const items = value === 'all' ? [...names] : value.split(',');
  for (const n of items)
    if (!names.includes(n as T)) throw new Error(`unknown '${n}'; choose from ${names.join(', ')} or all`);
  return items as T[];
}

export const tokenizer: Command = {
  summary: 'train the default tokenizer on a seeded generated corpus, written as a tokenizer.json',
  options: {
    out: { type: 'string', required: true, value: 'PATH', help: 'the tokenizer.json to write' },
    ...TOKENIZER_OPTIONS,
  },
  async run(args) {
    const out = args.str('out');
    checkWritable(out);
    const t0 = performance.now();
    const tok = await trainDefaultTokenizer(defaultTokenizerOptions(args));
    await writeTokenizerFile(new NodeStore(), out, tok);
    emit({
      path: out,
      vocabSize: tok.vocabSize,
      sha256: await tokenizerHash(tok),
      seconds: +((performance.now() - t0) / 1000).toFixed(2),
    });
  },
};

export const build: Command = {
  summary: 'training shards and evaluation sets from a mixture',
  options: {
    out: { type: 'string', required: true, value: 'DIR', help: 'the dataset directory' },
    tokens: { type: 'int', required: true, help: 'training tokens to build' },
    mixture: {
      type: 'string',
      default: 'uniform',
      value: 'NAME|JSON|FILE',
      help: `a mixture preset (${Object.keys(PRESETS).join(', ')}), JSON text or a JSON file (docs/data.md)`,
    },
    seed: { type: 'int', default: 1, help: 'seed of the training documents' },
    'shard-tokens': { type: 'int', default: DEFAULT_SHARD_TOKENS, help: 'tokens per shard file' },
    'eval-ops': {
      type: 'string',
      default: '2-20',
      value: 'OPS',
      parse: opList,
      help: 'ops of the evaluation sets: 2-20 or 2,5,11-14',
    },
    'eval-templates': {
      type: 'string',
      default: 'all',
      value: 'all|T,T',
      parse: (v) => list(v, TEMPLATES),
      help: 'templates of the evaluation sets',
    },
    'eval-modes': {
      type: 'string',
      default: 'forward',
      value: 'forward|reverse|all',
      parse: (v) => list(v, MODES),
      help: 'modes of the evaluation sets',
    },
    'eval-count': { type: 'int', default: 200, help: 'evaluation problems per op, template and mode' },
    'eval-seed': { type: 'int', help: 'seed of the evaluation sets', shownDefault: 'seed + 1000003' },
    'no-eval': { type: 'boolean', help: 'build no evaluation sets' },
    tokenizer: {
      type: 'string',
      value: 'PATH',
      help: 'a tokenizer.json; without it the default one, trained with the options below',
    },
    ...TOKENIZER_OPTIONS,
  },
  async run(args) {
    const out = args.str('out');
    const tokens = args.num('tokens');
    const spec = args.str('mixture');
    const seed = args.num('seed');
    const tokPath = args.optStr('tokenizer');
    if (tokPath && Object.keys(TOKENIZER_OPTIONS).some((o) => args.has(o)))
      throw new Error(
        `--${Object.keys(TOKENIZER_OPTIONS).join(', --')} shape the default tokenizer: drop them, or drop --tokenizer`,
      );
    const evalOpts = {
      ops: args.value('eval-ops') as number[],
      templates: args.value('eval-templates') as Template[],
      modes: args.value('eval-modes') as Mode[],
      count: args.num('eval-count'),
      seed: args.has('eval-seed') ? args.num('eval-seed') : seed + 1_000_003,
    };
    const mixture =
      !spec.trim().startsWith('{') && existsSync(spec) ? readInput(spec, 'mixture').toString('utf8') : spec;
    parseMixture(mixture); // refuse a bad mixture before any work
    const store = new NodeStore();
    const tok = tokPath
      ? await readTokenizerFile(store, tokPath)
      : await trainDefaultTokenizer(defaultTokenizerOptions(args));
    if (!tokPath)
      log(`no --tokenizer: trained the default one (${tok.vocabSize} ids); the dataset keeps it as tokenizer.json`);
    const t0 = performance.now();
    const { index, resumedShards } = await buildDataset(store, {
      out,
      mixture,
      tokens,
      seed,
      tokenizer: tok,
      shardTokens: args.num('shard-tokens'),
      eval: args.flag('no-eval') ? undefined : evalOpts,
      onProgress: terminalReporter('data build:').progress,
    });
    if (resumedShards) log(`resumed an interrupted build of these options in ${out}: ${resumedShards} shards kept`);
    emit({
      out,
      tokens: index.tokens,
      documents: index.documents,
      shards: index.shards.length,
      tokenizer: index.tokenizer,
      seconds: +((performance.now() - t0) / 1000).toFixed(2),
    });
  },
};

export const check: Command = {
  summary: 'read a built dataset back: every shard and eval file against its hash, and no eval prompt in training',
  options: { dir: { type: 'string', required: true, value: 'DIR', help: 'the dataset directory' } },
  async run(args) {
    const dir = args.str('dir');
    const result = await checkDataset(new NodeStore(), dir, terminalReporter('data check:').progress);
    emit(result);
    if (result.evalInTraining > 0)
      throw new Error(`${result.evalInTraining} training documents are evaluation problems`);
  },
};
