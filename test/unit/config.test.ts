// The one config vocabulary: every preset of the registry validates against its stage's schema, the
// validator names the key, the value and what is allowed, old names say the new ones (in objects,
// files and run directories), and a run directory written under the old names still resumes.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configFrom } from '../../harness/cli/commands/config.js';
import { runnable } from '../../harness/cli/dispatch.js';
import { parseOptions } from '../../harness/cli/options.js';
import { claimRunDir } from '../../ts/ckpt/rundir.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { STAGES } from '../../ts/config/presets.js';
import { checkSettings, type EvalSettings } from '../../ts/eval/settings.js';
import { upgradeGrpoConfig, validateGrpoConfig } from '../../ts/rl/config.js';
import { upgradeRunConfig, validateRunConfig } from '../../ts/train/runconfig.js';
import { parseText, showValue, validate } from '../../ts/util/schema.js';
import { GRPO_SCHEMA } from '../../ts/rl/config.js';

describe('preset registry', () => {
  it.each(Object.entries(STAGES).flatMap(([stage, s]) => Object.keys(s.presets).map((name) => [stage, name] as const)))(
    '%s %s validates',
    (stage, name) => {
      const s = STAGES[stage as keyof typeof STAGES];
      const p = (s.presets as Record<string, object>)[name];
      const init = stage === 'midtrain' || stage === 'rl' ? { init: 'ckpt' } : {};
      expect(() => validate(s.schema, { ...p, ...init })).not.toThrow();
      if ('stage' in p) expect(p.stage).toBe(stage);
    },
  );
  it("docs/rl.md's table has every GRPO key: its meaning, where the name comes from, its default", () => {
    const doc = readFileSync(new URL('../../docs/rl.md', import.meta.url), 'utf8');
    for (const [k, f] of Object.entries(GRPO_SCHEMA.fields)) {
      const d = f.default === undefined ? '' : '`' + showValue(f, f.default) + '`';
      expect(doc).toContain(`| \`${k}\` | ${f.doc} | ${f.source} | ${d} |`);
    }
  });
  it('a list of ops shows as ranges and reads back', () => {
    const f = STAGES.eval.schema.fields.ops;
    expect(showValue(f, [2, 3, 5, 11, 12, 13])).toBe('2-3,5,11-13');
    expect(parseText('ops', f, '2-3,5,11-13')).toEqual([2, 3, 5, 11, 12, 13]);
  });
  it('every key of the schemas is snake_case', () => {
    for (const s of Object.values(STAGES))
      for (const k of Object.keys(s.schema.fields)) expect(k).toMatch(/^[a-z][a-z0-9_]*$/);
  });
});

describe('validator', () => {
  const ok = { stage: 'pretrain', mixture: 'uniform', tokens: 1000 };
  it('names the key, the value and what is allowed, for every bad key at once', () => {
    expect(() => validateRunConfig({ ...ok, learning_rate: -1, seq_len: 1.5, loss_on: 'prompt' })).toThrow(
      new RegExp(
        'bad run config: seq_len must be an integer >= 2 \\(got 1.5\\); loss_on must be one of "all", "solution" \\(got "prompt"\\); ' +
          'learning_rate must be a number in \\(0, 10\\] \\(got -1\\)',
      ),
    );
    expect(() => validateRunConfig({ ...ok, mixture: 7 })).toThrow(
      /mixture must be a mixture preset name or spec object .* \(got 7\)/,
    );
    expect(() => validateRunConfig({ stage: 'pretrain', mixture: 'uniform' })).toThrow(
      /tokens is required \(training tokens/,
    );
    expect(() => validateGrpoConfig({ clip_ratio_c: 0.5 })).toThrow(
      /clip_ratio_c must be 0 \(off\) or above 1 \(got 0.5\)/,
    );
    expect(() => validateGrpoConfig({ ops: [9, 3] })).toThrow(/ops must be \[min, max\] .* \(got \[9,3\]\)/);
    const evalOk = validate<EvalSettings>(STAGES.eval.schema, {});
    expect(() => checkSettings({ ...evalOk, top_p: 0 })).toThrow(
      /bad eval settings: top_p must be a number in \(0, 1\] \(got 0\)/,
    );
    expect(() => checkSettings({ ...evalOk, ops: [] })).toThrow(/ops must be a non-empty list of ops from 2 to 30/);
  });

  it.each([
    [
      'run',
      () => validateRunConfig({ ...ok, lr: 1e-3, clip: 1 }),
      /lr was renamed learning_rate.*clip was renamed max_grad_norm/,
    ],
    [
      'RL',
      () => validateGrpoConfig({ steps: 3, ppo_epochs: 2, dual_clip: 3 }),
      /steps was renamed max_steps.*ppo_epochs was renamed num_iterations.*dual_clip was renamed clip_ratio_c/,
    ],
    [
      'RL',
      () => validateGrpoConfig({ mini_batch_size: 2, micro_batch_size: 2, clip: 1 }),
      /mini_batch_size was renamed ppo_mini_batch_size.*micro_batch_size was renamed per_device_train_batch_size.*clip was renamed max_grad_norm/,
    ],
    ['RL', () => validateGrpoConfig({ loss_type: 'seq-mean' }), /loss_type "seq-mean" was renamed "grpo"/],
    [
      'eval',
      () => validate(STAGES.eval.schema, { perOp: 2, topK: 1, topP: 1, maxNew: 9, problemSeed: 1 }),
      /perOp was renamed per_op.*topK was renamed top_k.*topP was renamed top_p.*maxNew was renamed max_new_tokens.*problemSeed was renamed problem_seed/,
    ],
  ])('old %s keys name the new ones', (_, run, error) => {
    expect(run).toThrow(error);
  });

  it('a config file with old keys names the new ones', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'config-')), 'old.json');
    writeFileSync(file, JSON.stringify({ stage: 'pretrain', mixture: 'uniform', tokens: 1000, lr: 1e-3 }));
    const cmd = runnable().find(([n]) => n === 'pretrain')![1];
    const args = parseOptions('pretrain', cmd, ['--out', 'o', '--config', file]);
    expect(() => validateRunConfig(configFrom('pretrain', args))).toThrow(/lr was renamed learning_rate/);
  });
});

describe('a run directory written under the old names', () => {
  const store = new NodeStore();
  const dir = () => join(mkdtempSync(join(tmpdir(), 'config-')), 'run');
  // run.json as the validator before the renames wrote it (its key order, `lr` and `clip`).
  const oldRun = {
    model: 'tiny',
    seq_len: 32,
    batch_size: 2,
    grad_accum: 1,
    loss_on: 'all',
    lr: 3e-3,
    min_lr: 3e-4,
    warmup: 0.1,
    schedule: 'cosine',
    weight_decay: 0.1,
    beta1: 0.9,
    beta2: 0.95,
    eps: 1e-8,
    clip: 1,
    eval_interval: 0,
    checkpoint_interval: 2,
    eval_ops: [2, 3],
    eval_per_op: 2,
    eval_max_new_tokens: 6,
    seed: 5,
    stage: 'pretrain',
    mixture: 'uniform',
    tokens: 640,
  };
  const { lr, clip, ...same } = oldRun;

  it('resumes: run.json is read under the new names and rewritten with them', async () => {
    const out = dir();
    await (
      await claimRunDir(store, out, 'run.json', oldRun)
    )();
    const cfg = validateRunConfig({ ...same, learning_rate: lr, max_grad_norm: clip });
    await (
      await claimRunDir(store, out, 'run.json', cfg, upgradeRunConfig)
    )();
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toEqual(cfg);
  });

  it('is still refused when a value differs', async () => {
    const out = dir();
    await (
      await claimRunDir(store, out, 'run.json', oldRun)
    )();
    const cfg = validateRunConfig({ ...same, learning_rate: lr * 2, max_grad_norm: clip });
    await expect(claimRunDir(store, out, 'run.json', cfg, upgradeRunConfig)).rejects.toThrow(/different configuration/);
  });

  it('resumes an RL run: keys and loss_type values', async () => {
    const out = dir();
    const cfg = validateGrpoConfig({
      init: 'ckpt',
      max_steps: 4,
      num_iterations: 2,
      loss_type: 'grpo',
      clip_ratio_c: 0,
    });
    const {
      max_steps,
      num_iterations,
      clip_ratio_c,
      max_grad_norm,
      ppo_mini_batch_size,
      per_device_train_batch_size,
      ...rest
    } = cfg;
    const old = {
      ...rest,
      steps: max_steps,
      ppo_epochs: num_iterations,
      dual_clip: clip_ratio_c,
      clip: max_grad_norm,
      mini_batch_size: ppo_mini_batch_size,
      micro_batch_size: per_device_train_batch_size,
      loss_type: 'seq-mean',
    };
    await (
      await claimRunDir(store, out, 'rl.json', old)
    )();
    await (
      await claimRunDir(store, out, 'rl.json', cfg, upgradeGrpoConfig)
    )();
    expect(JSON.parse(readFileSync(join(out, 'rl.json'), 'utf8'))).toEqual(cfg);
  });
});
