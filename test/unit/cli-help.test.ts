// Help texts and option parsing against the declarations they come from: every declared option is in
// its command's help, every option the help names is declared and parses (a config key's shown
// default reads back as that value, and the whole set validates), unknown and renamed flags are
// refused with the fix, and no command runs any work while its options are being checked.
import { describe, expect, it } from 'vitest';
import { help, runnable } from '../../harness/cli/dispatch.js';
import { helpText, parseOptions, type Command } from '../../harness/cli/options.js';
import { configFrom } from '../../harness/cli/commands/config.js';
import { STAGES, type StageName } from '../../ts/config/presets.js';
import { validate } from '../../ts/util/schema.js';

const named = (text: string) =>
  [
    ...new Set([...text.replace('npm run --silent cli --', '').matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1])),
  ].sort();

/** A value each option accepts, from its declaration alone: a config key's is the default help shows. */
function sample(c: Command, name: string): string[] {
  const o = c.options![name];
  if (o.type === 'boolean') return [`--${name}`];
  const v =
    (o.key && o.shownDefault) ||
    (o.default !== undefined ? String(o.default) : (o.choices?.[0] ?? (o.type === 'string' ? 'probe' : '2')));
  return [`--${name}`, v];
}

const STAGE_OF: Record<string, StageName> = {
  pretrain: 'pretrain',
  midtrain: 'midtrain',
  rl: 'rl',
  eval: 'eval',
  calibrate: 'eval',
};

describe.each(runnable())('%s', (name, cmd) => {
  const text = helpText(name, cmd);
  const declared = Object.keys(cmd.options ?? {}).sort();

  it('help names exactly the declared options', () => {
    expect(named(text)).toEqual(declared);
    expect(help([])).toContain(text);
  });

  it('every option parses, each to the value help shows as its default', () => {
    const words = Array.from({ length: cmd.positionals?.min ?? 0 }, (_, i) => `word${i}`);
    const argv = [...words, ...declared.flatMap((n) => sample(cmd, n))];
    const args = parseOptions(name, cmd, argv);
    expect(args.positionals).toEqual(words);
    for (const n of declared) expect(args.has(n), n).toBe(true);
    const stage = STAGE_OF[name];
    if (!stage) return;
    // Every config key given the value its help shows: the config is the preset's (plus keys help shows no value of).
    const required = declared.filter((n) => cmd.options![n].required).flatMap((n) => sample(cmd, n));
    const preset = configFrom(stage, parseOptions(name, cmd, required));
    const given = configFrom(stage, args);
    const shown = new Set(
      declared
        .map((n) => cmd.options![n])
        .filter((o) => o.key && o.shownDefault)
        .map((o) => o.key),
    );
    const unshown = Object.fromEntries(Object.entries(given).filter(([k]) => !shown.has(k)));
    const schema = STAGES[stage].schema;
    expect(validate(schema, given)).toEqual(validate(schema, { ...preset, ...unshown }));
  });

  it('refuses an unknown option, a stray word and a missing value, naming them', () => {
    expect(() => parseOptions(name, cmd, ['--no-such-option', '1'])).toThrow(/unknown option --no-such-option/);
    const p = cmd.positionals;
    if (p) {
      const extra = Array.from({ length: p.max + 1 }, () => 'stray');
      expect(() => parseOptions(name, cmd, extra)).toThrow(new RegExp(`takes .* arguments .*, got ${p.max + 1}`));
    } else expect(() => parseOptions(name, cmd, ['stray'])).toThrow(/unexpected argument 'stray'/);
    const valued = declared.find((n) => cmd.options![n].type !== 'boolean');
    if (valued) expect(() => parseOptions(name, cmd, [`--${valued}`])).toThrow(new RegExp(`--${valued} needs a value`));
  });
});

describe('old names', () => {
  const cmd = (words: string) => runnable().find(([n]) => n === words)![1];
  it.each([
    ['pretrain', '--lr', /--lr was renamed --learning-rate/],
    ['pretrain', '--clip', /--clip was renamed --max-grad-norm/],
    ['pretrain', '--set', /--set was replaced by one flag per config key/],
    ['rl', '--ppo-epochs', /--ppo-epochs was renamed --num-iterations/],
    ['rl', '--clip', /--clip was renamed --max-grad-norm/],
    ['rl', '--dual-clip', /--dual-clip was renamed --clip-ratio-c/],
    ['rl', '--steps', /--steps was renamed --max-steps/],
    ['eval', '--max-new', /--max-new was renamed --max-new-tokens/],
    ['eval', '--preset', /--preset was renamed --config/],
    ['calibrate', '--topK', /--topK was renamed --top-k/],
  ])('%s %s', (words, flag, error) => {
    expect(() => parseOptions(words, cmd(words), [flag, '1'])).toThrow(error);
  });

  it('a renamed value of a flag names the new one', () => {
    const args = parseOptions('rl', cmd('rl'), ['--init', 'x', '--out', 'y', '--loss-type', 'token-mean']);
    expect(() => validate(STAGES.rl.schema, configFrom('rl', args))).toThrow(
      /loss_type "token-mean" was renamed "dapo"/,
    );
  });
});

describe('option values are checked by their declaration', () => {
  const cmd = (words: string) => runnable().find(([n]) => n === words)![1];
  it('types, choices and ranges', () => {
    expect(() => parseOptions('data sample', cmd('data sample'), ['--op', 'x'])).toThrow(
      /--op must be a number, got 'x'/,
    );
    expect(() => parseOptions('data sample', cmd('data sample'), ['--op', '2.5'])).toThrow(/--op must be an integer/);
    expect(() => parseOptions('data sample', cmd('data sample'), ['--op', '31'])).toThrow(
      /--op must be in 2\.\.30, got 31/,
    );
    expect(() => parseOptions('data sample', cmd('data sample'), ['--op', '3', '--mode', 'sideways'])).toThrow(
      /--mode must be one of forward, reverse/,
    );
    expect(() => parseOptions('data sample', cmd('data sample'), [])).toThrow(/missing option --op/);
    expect(() => parseOptions('verify', cmd('verify'), ['--scores-only=yes'])).toThrow(/--scores-only takes no value/);
    expect(parseOptions('data sample', cmd('data sample'), ['--op', '3', '--op', '4']).num('op')).toBe(4); // the last counts
    // A negative value is a value, not an option.
    expect(parseOptions('start', cmd('start'), ['--scale', '-1']).num('scale')).toBe(-1);
  });

  it('config keys are read as their schema reads them', () => {
    const args = parseOptions('rl', cmd('rl'), [
      '--init',
      'c',
      '--out',
      'o',
      '--ops',
      '3-5',
      '--learning-rate',
      '2e-5',
      '--dynamic-sampling',
      'true',
    ]);
    expect(args.keys()).toEqual({ init: 'c', ops: [3, 5], learning_rate: 2e-5, dynamic_sampling: true });
    const bad = parseOptions('pretrain', cmd('pretrain'), ['--out', 'o', '--learning-rate', '-1']);
    expect(() => validate(STAGES.pretrain.schema, configFrom('pretrain', bad))).toThrow(
      /learning_rate must be a number in \(0, 10\] \(got -1\)/,
    );
    expect(() => parseOptions('pretrain', cmd('pretrain'), ['--out', 'o', '--seed', 'x'])).toThrow(
      /seed must be an integer >= 0 \(got 'x'\)/,
    );
  });
});
