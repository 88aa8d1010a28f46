// Help texts against the code: every --option a command's help names is one the command reads, and
// every option it reads is named in its help. Args records the options a command asks for; each
// command reads all of them, then calls checkAllUsed before any work, where a probe stops it.
import { describe, expect, it } from 'vitest';
import { Args } from '../../harness/cli/args.js';
import { commands } from '../../harness/cli/commands/index.js';
import type { Command } from '../../harness/cli/commands/types.js';

class Probed extends Error {}

class Probe extends Args {
  override checkAllUsed(): void {
    throw new Probed('reached checkAllUsed');
  }
}

/** Values for the options a help text gives as required (outside [brackets]). */
const REQUIRED: Record<string, string> = {
  out: 'probe-out',
  tokens: '1000',
  op: '5',
  dir: 'probe-dir',
  checkpoint: 'probe-checkpoint',
  init: 'probe-checkpoint',
  reference: 'probe-reference',
};

const named = (text: string) => [...new Set([...text.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]))].sort();
const required = (summary: string) => named(summary.replace(/\[[^\]]*\]/g, ''));

/** Every runnable command as [its words, the command]; `data` runs its subcommands. */
const runnable: [string[], Command][] = Object.entries(commands).flatMap(([name, c]) =>
  c.subcommands ? Object.entries(c.subcommands).map(([sub, s]): [string[], Command] => [[name, sub], s]) : [[[name], c]],
);

describe('help texts name exactly the options each command reads', () => {
  it.each(runnable.map(([words, cmd]) => [words.join(' '), words, cmd] as const))('%s', async (_, words, cmd) => {
    const argv = words.slice(1);
    for (const o of required(cmd.summary)) {
      expect(REQUIRED[o], `no probe value for the required --${o}: add one to REQUIRED`).toBeDefined();
      argv.push(`--${o}`, REQUIRED[o]);
    }
    const args = new Probe(argv);
    const err = await commands[words[0]].run(args).then(() => undefined, (e: Error) => e);
    expect(err, `${words.join(' ')} ${argv.join(' ')} should read its options and stop at checkAllUsed`).toBeInstanceOf(Probed);
    expect([...args.asked].sort()).toEqual(named(cmd.summary));
  });
});
