// `npm start`: the whole job as far as the engine goes today, on the default adapter. Stages:
//   1. tokenizer: the default byte-level BPE, trained on a seeded generated corpus
//   2. data: training shards (uniform op 2-10) and evaluation sets (op 2-20, every template)
//   3. check: every shard and eval file read back against its hash; no eval problem in training
//   4. verify: every evaluation gold solution judged perfect by the step verifier
//   5. gpu: the kernels checked against the reference on the chosen adapter, and a matmul rate
// Later stages (pre-training, mid-training, RL, evaluation) join here as they land.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildDataset, checkDataset } from '../../../ts/data/build.js';
import { trainDefaultTokenizer } from '../../../ts/data/tokenizer-default.js';
import { writeTokenizerFile } from '../../../ts/data/tokenizer-file.js';
import { scoreBatch, REWARD_PRESETS } from '../../../ts/data/verifier.js';
import { Gpu } from '../../../ts/gpu/index.js';
import { selfCheck } from '../../../ts/gpu/selfcheck.js';
import { emit, log } from '../../../ts/util/jsonl.js';
import type { Command } from './types.js';

export const start: Command = {
  summary: 'the end-to-end job so far: tokenizer -> shards + eval sets -> checks -> verifier -> GPU kernels [--out runs/start] [--tokens N] [--adapter A]',
  async run(args) {
    const out = args.str('out', 'runs/start');
    const tokens = args.int('tokens', 2_000_000);
    const seed = args.int('seed', 1);
    const adapter = args.optStr('adapter');
    args.checkAllUsed();
    mkdirSync(out, { recursive: true });
    const t0 = performance.now();
    const stage = (name: string, row: object) => {
      emit({ stage: name, ...row, seconds: +((performance.now() - t0) / 1000).toFixed(2) });
    };

    log('[1/5] training the default tokenizer');
    const tok = await trainDefaultTokenizer();
    writeTokenizerFile(join(out, 'tokenizer.json'), tok);
    stage('tokenizer', { path: join(out, 'tokenizer.json'), vocabSize: tok.vocabSize });

    log(`[2/5] building ${(tokens / 1e6).toFixed(1)}M training tokens and evaluation sets`);
    const dataDir = join(out, 'data');
    const built = await buildDataset({
      out: dataDir,
      mixture: 'uniform',
      tokens,
      seed,
      tokenizer: tok,
      eval: { ops: Array.from({ length: 19 }, (_, i) => i + 2), templates: ['crazy_zootopia', 'teachers_in_school', 'movie_festival_awards'], modes: ['forward'], count: 20, seed: seed + 1_000_003 },
      progress: (n) => log(`  ${(n / 1e6).toFixed(2)}M / ${(tokens / 1e6).toFixed(2)}M tokens`),
    });
    stage('data', { dir: dataDir, tokens: built.index.tokens, documents: built.index.documents, shards: built.index.shards.length, evalFiles: built.evalFiles.length });

    log('[3/5] reading the dataset back');
    const check = await checkDataset(dataDir);
    if (check.evalInTraining > 0) throw new Error(`${check.evalInTraining} training documents are evaluation problems`);
    stage('check', { ...check });

    log('[4/5] verifying every evaluation gold solution');
    let perfect = 0;
    let total = 0;
    for (const f of built.evalFiles) {
      const rows = readFileSync(join(dataDir, f.file), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const scores = await scoreBatch(rows, rows.map((r) => r.solution), REWARD_PRESETS.strict);
      perfect += scores.filter((s) => s.reward === 1).length;
      total += rows.length;
    }
    if (perfect !== total) throw new Error(`the verifier rejected ${total - perfect} of ${total} gold solutions`);
    stage('verify', { gold: total, perfect });

    log('[5/5] GPU kernels on the chosen adapter');
    const gpu = await Gpu.create({ adapter });
    stage('gpu', { adapter: gpu.adapterName, kind: gpu.adapterKind, ...(await selfCheck(gpu)) });
  },
};
