// CLI entry: `npm run --silent cli -- <command> [options]`. Results are JSON lines on stdout;
// progress and logs go to stderr. Each command lives in its own module under harness/cli/commands.
import { Args } from './args.js';
import { commands } from './commands/index.js';
import { useDawn } from '../../ts/io/dawn.js';
import { flushStdout } from '../../ts/io/stdio.js';

async function main(): Promise<number> {
  useDawn();
  const argv = process.argv.slice(2);
  const name = argv.length && !argv[0].startsWith('--') ? argv.shift()! : 'help';
  const cmd = commands[name];
  if (!cmd && name !== 'help') {
    throw new Error(`unknown command '${name}'; choose one of ${Object.keys(commands).join(', ')} (help describes them)`);
  }
  if (name === 'help') {
    const list = Object.entries(commands)
      .flatMap(([n, c]) => [
        `  ${n.padEnd(12)} ${c.summary}`,
        ...Object.entries(c.subcommands ?? {}).map(([s, sub]) => `    ${n} ${s.padEnd(10)} ${sub.summary}`),
      ])
      .join('\n');
    process.stderr.write(
      'usage: npm run --silent cli -- <command> [options]\n' +
        'Results are JSON lines on stdout; progress and logs go to stderr.\n\n' +
        `commands:\n${list}\n`,
    );
    return 0;
  }
  const args = new Args(argv);
  await cmd.run(args);
  return 0;
}

process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  // The reader closed early (`| head -1`): it has all it wants, which is not a failure.
  if (err.code === 'EPIPE') process.exit(0);
  process.stderr.write(`error: cannot write the output: ${err.message}\n`);
  process.exit(1);
});

// process.exit ends the process at once (GPU handles would keep it alive), dropping whatever
// stdout still buffers for a pipe: every row goes out first.
main().then(
  async (code) => {
    await flushStdout();
    process.exit(code);
  },
  async (err: Error) => {
    await flushStdout();
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
