// The bad-input and fault suite, CLI level, no GPU: every command given unknown options, missing or
// unreadable inputs, a truncated or corrupted dataset, tokenizer, config or checkpoint (each file),
// a directory of the wrong kind, and a full or read-only output (ENGINE_IO_FAULT, ts/io/files.ts, or
// /dev/full). Each must exit non-zero with one `error:` line on stderr naming the problem and what
// to do, and leave every good file where it was byte-identical, with no temporary file beside it.
// Commands that reach the GPU before failing are in test/gpu/fault-stages.test.ts.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tokenizer } from '../../ts/data/tokenizer.js';
import { preset } from '../../ts/model/config.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { saveCheckpoint } from '../../ts/ckpt/index.js';
import { buildCli, copyUnder, expectRefused, flipByte, runCli, snapshot, truncateHalf } from '../util/fault.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

let tmp = '';
/** Fixtures made once: tok.json, data/ (a small dataset), ckpt/ (a tiny random checkpoint), good.json. */
const F = { tok: '', data: '', ckpt: '', good: '', runCfg: '', rlCfg: '' };

beforeAll(async () => {
  buildCli();
  tmp = mkdtempSync(join(tmpdir(), 'fault-cli-'));
  mkdirSync(join(tmp, 'out'));
  F.tok = join(tmp, 'tok.json');
  F.data = join(tmp, 'data');
  const made = await runCli(['data', 'tokenizer', '--out', F.tok], { cwd: tmp });
  expect(made.code, made.stderr).toBe(0);
  const built = await runCli(
    [
      'data',
      'build',
      '--out',
      F.data,
      '--tokens',
      '3000',
      '--tokenizer',
      F.tok,
      '--shard-tokens',
      '1000',
      '--eval-ops',
      '2',
      '--eval-count',
      '2',
    ],
    { cwd: tmp },
  );
  expect(built.code, built.stderr).toBe(0);
  const tok = await Tokenizer.fromJson(readFileSync(F.tok, 'utf8'));
  const config = preset('tiny', tok.vocabSize);
  const layout = paramLayout(config);
  const zeros = new Float32Array(layout.total);
  const state = { step: 2, tokensSeen: 0, dataCursor: null, rng: null, runConfig: null };
  F.ckpt = await saveCheckpoint(store, join(tmp, 'run', 'checkpoints'), {
    config,
    layout,
    params: initParams(config, layout, 1),
    m: zeros,
    v: zeros,
    tokenizerJson: JSON.stringify(tok.toJson()),
    state,
  });
  F.good = join(tmp, 'good.json');
  writeFileSync(F.good, '{"a good": "file"}\n');
  F.runCfg = join(tmp, 'run-config.json');
  writeFileSync(
    F.runCfg,
    JSON.stringify({ stage: 'pretrain', model: 'tiny', mixture: 'uniform', tokens: 1000, seq_len: 32, batch_size: 2 }),
  );
  F.rlCfg = join(tmp, 'rl-config.json');
  writeFileSync(F.rlCfg, JSON.stringify({ max_steps: 2, prompts_per_step: 2 }));
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const copy = (path: string) => copyUnder(tmp, path);

interface Case {
  name: string;
  /** The arguments; `prepare` may make the files they name. */
  args: () => string[];
  prepare?: () => void;
  env?: Record<string, string>;
  input?: string;
  error: RegExp;
  /** Files or directories that must come out byte-identical (checked with no `.tmp-` file beside them). */
  keep?: () => string[];
  /** Outputs that must not appear. */
  absent?: () => string[];
  /** The fault is met after work began, so progress lines may come before the error line. */
  afterWork?: boolean;
}

/** An output path under tmp/out (made by beforeAll). */
const O = (name: string) => join(tmp, 'out', name);
const UNKNOWN = /unknown option --bogus; `[a-z ]+ --help` lists its options/;

const unknownOptions: Case[] = [
  ['data', 'sample', '--op', '2'],
  ['data', 'tokenizer', '--out', '@out'],
  ['data', 'build', '--out', '@out', '--tokens', '100', '--tokenizer', '@tok'],
  ['data', 'check', '--dir', '@data'],
  ['devices'],
  ['start', '--out', '@out', '--scale', '0.01'],
  ['pretrain', '--out', '@out', '--config', '@runCfg'],
  ['midtrain', '--out', '@out', '--init', '@ckpt'],
  ['rl', '--out', '@out', '--init', '@ckpt'],
  ['tokenize', '--tokenizer', '@tok', '--text', 'hi'],
  ['detokenize', '--tokenizer', '@tok', '--ids', '1,2'],
  ['verify'],
  ['eval', '--checkpoint', '@ckpt', '--out', '@out'],
  ['calibrate', '--checkpoint', '@ckpt', '--out', '@out'],
].map((argv) => {
  const name = argv.slice(0, argv[0] === 'data' ? 2 : 1).join(' ');
  const out = () => O(name.replace(' ', '-'));
  const fill = (a: string) => (a === '@out' ? out() : a.startsWith('@') ? F[a.slice(1) as keyof typeof F] : a);
  return {
    name: `${name} --bogus`,
    args: () => [...argv.map(fill), '--bogus', '1'],
    error: UNKNOWN,
    absent: () => [out()],
  };
});

// Inputs that are missing, unreadable (a directory where a file belongs), cut short or of the wrong kind.
const badInputs: Case[] = [
  {
    name: 'tokenize: missing tokenizer',
    args: () => ['tokenize', '--tokenizer', join(tmp, 'none.json'), '--text', 'a'],
    error: /no tokenizer at .*none\.json; make the default one/,
  },
  {
    name: 'tokenize: a directory as tokenizer',
    args: () => ['tokenize', '--tokenizer', tmp, '--text', 'a'],
    error: /cannot read tokenizer .*: it is a directory \(EISDIR\); give a file/,
  },
  (() => {
    let t = '';
    return {
      name: 'detokenize: truncated tokenizer',
      prepare: () => truncateHalf((t = copy(F.tok))),
      args: () => ['detokenize', '--tokenizer', t, '--ids', '1'],
      error: /tokenizer .* is not a usable tokenizer\.json .*; remake it/,
    };
  })(),
  (() => {
    let t = '';
    return {
      name: 'data build: truncated tokenizer',
      prepare: () => truncateHalf((t = copy(F.tok))),
      args: () => ['data', 'build', '--out', O('build-cut-tok'), '--tokens', '100', '--tokenizer', t],
      error: /not a usable tokenizer\.json/,
      absent: () => [O('build-cut-tok')],
    };
  })(),
  {
    name: 'data build: missing mixture file',
    args: () => [
      'data',
      'build',
      '--out',
      O('b-mix'),
      '--tokens',
      '100',
      '--tokenizer',
      F.tok,
      '--mixture',
      'nofile.json',
    ],
    error: /mixture/,
    absent: () => [O('b-mix')],
  },
  {
    name: 'data build: a directory as mixture',
    args: () => ['data', 'build', '--out', O('b-mix2'), '--tokens', '100', '--tokenizer', F.tok, '--mixture', tmp],
    error: /cannot read mixture .*: it is a directory/,
    absent: () => [O('b-mix2')],
  },
  {
    name: 'pretrain: missing config',
    args: () => ['pretrain', '--out', O('p1'), '--config', join(tmp, 'none.json')],
    error: /--config .*none\.json: no such file or pretrain preset; presets: mini-pretrain, paper-pretrain/,
    absent: () => [O('p1')],
  },
  {
    name: 'pretrain: a directory as config',
    args: () => ['pretrain', '--out', O('p2'), '--config', tmp],
    error: /cannot read run config .*: it is a directory/,
    absent: () => [O('p2')],
  },
  (() => {
    let c = '';
    return {
      name: 'pretrain: truncated config',
      prepare: () => truncateHalf((c = copy(F.runCfg))),
      args: () => ['pretrain', '--out', O('p3'), '--config', c],
      error: /run config .* is not valid JSON \(.*\); fix it or give a preset/,
      absent: () => [O('p3')],
    };
  })(),
  {
    name: 'pretrain: an RL config',
    args: () => ['pretrain', '--out', O('p4'), '--config', F.rlCfg],
    error: /bad run config: .*unknown field 'max_steps'/,
    absent: () => [O('p4')],
  },
  {
    name: 'rl: a pre-training config',
    args: () => ['rl', '--out', O('r1'), '--init', F.ckpt, '--config', F.runCfg],
    error: /unknown field 'stage'/,
    absent: () => [O('r1')],
  },
  (() => {
    let c = '';
    return {
      name: 'rl: truncated config',
      prepare: () => truncateHalf((c = copy(F.rlCfg))),
      args: () => ['rl', '--out', O('r2'), '--init', F.ckpt, '--config', c],
      error: /RL config .* is not valid JSON/,
      absent: () => [O('r2')],
    };
  })(),
  {
    name: 'eval: unknown preset',
    args: () => ['eval', '--checkpoint', F.ckpt, '--out', O('e1'), '--config', 'nope'],
    error: /--config nope: no such file or eval preset; presets: paper, cpu, start/,
    absent: () => [O('e1')],
  },
  {
    name: 'eval: top-p out of range',
    args: () => ['eval', '--checkpoint', F.ckpt, '--out', O('e2'), '--top-p', '2'],
    error: /top_p must be a number in \(0, 1\] \(got 2\)/,
    absent: () => [O('e2')],
  },
  {
    name: 'eval: a dataset without eval sets',
    args: () => ['eval', '--checkpoint', F.ckpt, '--out', O('e3'), '--data', tmp, '--ops', '2'],
    error: /is missing: build the dataset with evaluation sets/,
    absent: () => [O('e3')],
  },
  (() => {
    let data = '';
    return {
      name: 'eval: a corrupted eval set',
      prepare: () => truncateHalf(join((data = copy(F.data)), 'eval', 'crazy_zootopia', 'op02.jsonl')),
      args: () => ['eval', '--checkpoint', F.ckpt, '--out', O('e6'), '--data', data, '--ops', '2', '--per-op', '3'],
      error: /op02\.jsonl row \d+ is not valid JSON \(.*\); build the dataset again/,
      absent: () => [O('e6')],
    };
  })(),
  {
    name: 'eval: missing checkpoint',
    args: () => ['eval', '--checkpoint', join(tmp, 'none'), '--out', O('e4')],
    error: /no checkpoint at .*none \(no such directory\); check the path/,
    absent: () => [O('e4')],
  },
  {
    name: 'eval: a dataset as checkpoint',
    args: () => ['eval', '--checkpoint', F.data, '--out', O('e5')],
    error: /holds no model\.safetensors .*: give a checkpoint directory/,
    absent: () => [O('e5')],
  },
  {
    name: 'unknown command',
    args: () => ['bogus'],
    error: /unknown command 'bogus'; choose one of .*data.*\(help describes them\)/,
  },
  {
    name: 'data: unknown subcommand',
    args: () => ['data', 'bogus'],
    error: /unknown data subcommand 'bogus'; choose one of sample, tokenizer, build, check/,
  },
  {
    name: 'verify: rows that are not JSON',
    args: () => ['verify'],
    input: 'not json\n',
    error: /input line 1 is not valid JSON/,
  },
  {
    name: 'data check: not a dataset',
    args: () => ['data', 'check', '--dir', F.ckpt],
    error: /index\.json is missing: not a dataset directory/,
  },
];

/** `data check` of a copy of the dataset with one file damaged. */
function damagedData(name: string, damage: (dir: string) => void, error: RegExp, afterWork = false): Case {
  let dir = '';
  return {
    name: `data check: ${name}`,
    prepare: () => damage((dir = copy(F.data))),
    args: () => ['data', 'check', '--dir', dir],
    error,
    afterWork,
  };
}
const damagedDatasets: Case[] = [
  damagedData(
    'truncated shard',
    (d) => truncateHalf(join(d, 'train-00001.bin')),
    /train-00001\.bin has \d+ bytes but the index says .*truncated or replaced; build the dataset again/,
    true,
  ),
  damagedData(
    'corrupted shard',
    (d) => flipByte(join(d, 'train-00000.bin')),
    /train-00000\.bin is corrupted: its sha256 does not match the index; build the dataset again/,
    true,
  ),
  damagedData(
    'missing shard',
    (d) => rmSync(join(d, 'train-00002.bin')),
    /train-00002\.bin is missing; build the dataset again/,
    true,
  ),
  damagedData(
    'truncated index',
    (d) => truncateHalf(join(d, 'index.json')),
    /index\.json is not valid JSON \(.*\); truncated or corrupted: build the dataset again/,
  ),
  damagedData(
    'altered index',
    (d) => {
      const p = join(d, 'index.json');
      writeFileSync(
        p,
        readFileSync(p, 'utf8').replace(/"documents": (\d+)/, (_, n) => `"documents": ${Number(n) + 1}`),
      );
    },
    /index\.json was altered or corrupted: its checksum does not match its content; build the dataset again/,
  ),
  damagedData(
    'truncated tokenizer',
    (d) => truncateHalf(join(d, 'tokenizer.json')),
    /tokenizer .*tokenizer\.json is not a usable tokenizer\.json/,
  ),
  damagedData(
    'corrupted eval file',
    (d) => flipByte(join(d, 'eval', 'crazy_zootopia', 'op02.jsonl')),
    /op02\.jsonl is corrupted: its sha256 does not match the index/,
  ),
];

/** `eval` of a copy of the checkpoint with one file damaged: refused before any GPU work, no results file. */
function damagedCheckpoint(name: string, damage: (dir: string) => void, error: RegExp): Case {
  let dir = '';
  const out = () => O(`ckpt-${name.replace(/\W+/g, '-')}`);
  return {
    name: `eval --checkpoint: ${name}`,
    prepare: () => damage((dir = copy(F.ckpt))),
    args: () => ['eval', '--checkpoint', dir, '--out', out()],
    error,
    absent: () => [out()],
  };
}
const CORRUPT =
  /is corrupt \(sha256 differs from trainer_state\.json\); restore it or resume from an earlier checkpoint/;
const damagedCheckpoints: Case[] = [
  ...['model.safetensors', 'optimizer.safetensors', 'config.json', 'tokenizer.json'].map((f) =>
    damagedCheckpoint(`corrupted ${f}`, (d) => flipByte(join(d, f), 0.9), CORRUPT),
  ),
  damagedCheckpoint('truncated model.safetensors', (d) => truncateHalf(join(d, 'model.safetensors')), CORRUPT),
  damagedCheckpoint(
    'truncated trainer_state.json',
    (d) => truncateHalf(join(d, 'trainer_state.json')),
    /trainer_state\.json is not valid JSON \(.*\); restore it or use an earlier checkpoint/,
  ),
  damagedCheckpoint(
    'missing optimizer.safetensors',
    (d) => rmSync(join(d, 'optimizer.safetensors')),
    /has no optimizer\.safetensors .*; restore it or resume from an earlier checkpoint/,
  ),
  damagedCheckpoint(
    'missing model.safetensors',
    (d) => rmSync(join(d, 'model.safetensors')),
    /has no model\.safetensors .*; restore it or resume from an earlier checkpoint/,
  ),
  damagedCheckpoint(
    'imported, truncated model.safetensors',
    (d) => {
      for (const f of ['trainer_state.json', 'optimizer.safetensors']) rmSync(join(d, f));
      truncateHalf(join(d, 'model.safetensors'));
    },
    /model\.safetensors is not a valid safetensors file: .*; restore or re-export it/,
  ),
  damagedCheckpoint(
    'imported, config.json of another kind',
    (d) => {
      for (const f of ['trainer_state.json', 'optimizer.safetensors']) rmSync(join(d, f));
      writeFileSync(join(d, 'config.json'), '{"hidden_size": "wide"}');
    },
    /config\.json: /,
  ),
];

// Outputs that cannot be written: the good file there stays byte-identical and nothing is left beside it.
const badOutputs: Case[] = [
  {
    name: 'data tokenizer --out /dev/full',
    args: () => ['data', 'tokenizer', '--out', '/dev/full'],
    error: /cannot write \/dev\/full: no space left on the device \(ENOSPC\); free some space/,
  },
  {
    name: 'data tokenizer --out in a missing directory',
    args: () => ['data', 'tokenizer', '--out', join(tmp, 'none', 't.json')],
    error: /cannot write .*t\.json: no such file or directory \(ENOENT\); check the path/,
  },
  ...(['ENOSPC', 'EROFS'] as const).flatMap((code): Case[] => {
    const why =
      code === 'ENOSPC'
        ? /no space left on the device \(ENOSPC\)/
        : /the file system is read-only \(EROFS\); choose a writable output path/;
    let good = '',
      data = '';
    return [
      {
        name: `data tokenizer over a good file, ${code}`,
        prepare: () => void (good = copy(F.good)),
        args: () => ['data', 'tokenizer', '--out', good],
        env: { ENGINE_IO_FAULT: code },
        error: why,
        keep: () => [good],
      },
      {
        name: `data build over a good dataset, ${code} at a shard`,
        prepare: () => void (data = copy(F.data)),
        args: () => [
          'data',
          'build',
          '--out',
          data,
          '--tokens',
          '3000',
          '--tokenizer',
          F.tok,
          '--shard-tokens',
          '500',
          '--eval-ops',
          '2',
          '--eval-count',
          '2',
          '--seed',
          '9',
        ],
        env: { ENGINE_IO_FAULT: `${code}:train-00003` },
        error: why,
        keep: () => [data],
        afterWork: true,
      },
    ];
  }),
  // A read-only output is found before the work (a full one only when written: test/gpu/fault-stages.test.ts).
  ...['eval', 'calibrate'].map((cmd): Case => {
    let good = '';
    return {
      name: `${cmd} over a good file, read-only`,
      prepare: () => void (good = copy(F.good)),
      args: () => [cmd, '--checkpoint', F.ckpt, '--out', good],
      env: { ENGINE_IO_FAULT: 'EROFS' },
      error: /the file system is read-only \(EROFS\)/,
      keep: () => [good],
    };
  }),
  {
    name: 'data build into a run directory',
    args: () => ['data', 'build', '--out', join(tmp, 'run'), '--tokens', '100', '--tokenizer', F.tok],
    error: /holds files that are not a dataset's \(checkpoints\); give data build a new or empty directory/,
    keep: () => [join(tmp, 'run')],
  },
];

describe.concurrent('bad input and faults: one error line, non-zero exit, nothing half-written', () => {
  const cases = [...unknownOptions, ...badInputs, ...damagedDatasets, ...damagedCheckpoints, ...badOutputs];
  it.each(cases.map((c) => [c.name, c]))('%s', async (_name, c: Case) => {
    c.prepare?.();
    const kept = (c.keep?.() ?? []).map((p) => [p, snapshot(p)] as const);
    const r = await runCli(c.args(), { cwd: tmp, env: c.env, input: c.input });
    expectRefused(r, c.error, { afterWork: c.afterWork });
    for (const [p, before] of kept) {
      expect(snapshot(p), `${p} changed`).toEqual(before);
      expect(
        readdirSync(dirname(p)).filter((e) => e.includes('.tmp-')),
        `temporary files beside ${p}`,
      ).toEqual([]);
    }
    for (const p of c.absent?.() ?? []) expect(existsSync(p), `${p} was written`).toBe(false);
  });
});
