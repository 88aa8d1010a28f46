// CLI entry: `npm run --silent cli -- <command> [options]`. Results are JSON lines on stdout;
// progress and logs go to stderr. Each command lives in its own module under harness/cli/commands.
import { Args } from './args.js';
import { commands } from './commands/index.js';

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const name = argv.length && !argv[0].startsWith('--') ? argv.shift()! : 'help';
  const cmd = commands[name];
  if (!cmd || name === 'help') {
    const list = Object.entries(commands)
      .map(([n, c]) => `  ${n.padEnd(12)} ${c.summary}`)
      .join('\n');
    process.stderr.write(`usage: npm run --silent cli -- <command> [options]\n\ncommands:\n${list}\n`);
    return name === 'help' ? 0 : 2;
  }
  const args = new Args(argv);
  await cmd.run(args);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
