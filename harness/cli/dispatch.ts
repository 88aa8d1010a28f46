// From the command line to a command: its name (and subcommand) picks it, its declared options are
// parsed (harness/cli/options.ts), and `help`, `help CMD` or `CMD --help` print what the
// declarations say.
import { commands } from './commands/index.js';
import { helpText, parseOptions, type Command } from './options.js';

const USAGE =
  'usage: npm run --silent cli -- <command> [options]   (help <command>: its options)\n' +
  'Results are JSON lines on stdout; progress and logs go to stderr.';

/** Every runnable command by its words ("pretrain", "data build"). */
export function runnable(): [string, Command][] {
  return Object.entries(commands).flatMap(([name, c]) =>
    c.subcommands
      ? Object.entries(c.subcommands).map(([s, sub]): [string, Command] => [`${name} ${s}`, sub])
      : [[name, c]],
  );
}

/** The command `words` start with, and the words after its name. */
export function findCommand(words: string[]): { name: string; cmd: Command; rest: string[] } {
  const [name, ...rest] = words;
  const cmd = commands[name];
  if (!cmd) {
    throw new Error(
      `unknown command '${name}'; choose one of ${Object.keys(commands).join(', ')} (help describes them)`,
    );
  }
  if (!cmd.subcommands) return { name, cmd, rest };
  const [subName, ...subRest] = rest;
  const sub = subName === undefined ? undefined : cmd.subcommands[subName];
  if (!sub) {
    const choose = `choose one of ${Object.keys(cmd.subcommands).join(', ')} (\`help ${name}\` lists their options)`;
    const missing = subName === undefined || subName.startsWith('-');
    throw new Error(
      missing ? `${name} needs a subcommand; ${choose}` : `unknown ${name} subcommand '${subName}'; ${choose}`,
    );
  }
  return { name: `${name} ${subName}`, cmd: sub, rest: subRest };
}

/** Help for the commands `words` name (all of them when none). */
export function help(words: string[]): string {
  const asked = words.join(' ');
  const chosen = runnable().filter(([n]) => !asked || n === asked || n.startsWith(`${asked} `));
  if (!chosen.length) findCommand(words); // throws, naming the commands there are
  return [USAGE, ...chosen.map(([n, c]) => helpText(n, c))].join('\n\n') + '\n';
}

/** Runs the command line `argv` (without node and the script). */
export async function runCli(argv: string[]): Promise<void> {
  if (!argv.length || argv[0] === 'help' || argv[0] === '--help') {
    process.stderr.write(help(argv.slice(1)));
    return;
  }
  if (argv.includes('--help')) {
    process.stderr.write(
      help(
        argv.slice(
          0,
          argv.findIndex((w) => w.startsWith('-')),
        ),
      ),
    );
    return;
  }
  const { name, cmd, rest } = findCommand(argv);
  await cmd.run(parseOptions(name, cmd, rest));
}
