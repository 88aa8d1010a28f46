// CLI entry: `npm run --silent cli -- <command> [options]`. Results are JSON lines on stdout;
// progress and logs go to stderr. Each command lives in its own module under harness/cli/commands.
import { runCli } from './dispatch.js';
import { useDawn } from '../../ts/io/dawn.js';
import { flushStdout } from '../../ts/io/stdio.js';
import { StageStopped } from '../../ts/stage/loop.js';
import { receivedSignal, sameCommand, SIGNAL_EXIT } from './interrupt.js';

async function main(): Promise<number> {
  useDawn();
  await runCli(process.argv.slice(2));
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
    const signal = receivedSignal();
    if (err instanceof StageStopped && signal) {
      // Stopped by Ctrl-C or SIGTERM (./interrupt.ts): what was done is kept, and the same command resumes.
      process.stderr.write(
        `${err.message}\nto resume, run the same command again: ${sameCommand(process.argv, process.env)}\n`,
      );
      process.exit(SIGNAL_EXIT[signal]);
    }
    process.stderr.write(`error: ${err.message}\n`);
    if (process.env.DEBUG) process.stderr.write(`${err.stack}\n`);
    process.exit(1);
  },
);
