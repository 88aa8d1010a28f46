// Ctrl-C (SIGINT) and SIGTERM during a stage: the first stops it after the step it is taking
// (StageContext.stop), so its checkpoint or journal is written, its lock released, and running the
// same command again resumes; a second one quits at once (a kill leaves nothing half-written either:
// docs/reliability.md). Installed only by commands that run stages, so the others keep the default.

/** Exit status after each signal: 128 + its number, as a shell reports a process it ended. */
export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof SIGNAL_EXIT;

/** What a handler needs of the process (a test passes its own). */
export interface SignalTarget {
  on(event: StopSignal, listener: () => void): unknown;
  exit(code: number): void;
  stderr: { write(text: string): unknown };
}

/**
 * A signal this soon after the first is the same Ctrl-C delivered twice, not a second one: under
 * `npm start` or `npm run cli` the terminal signals the process and npm forwards it the same signal.
 */
export const SAME_PRESS_MS = 1000;

let controller: AbortController | undefined;
let received: StopSignal | undefined;

/** Installs the handlers (once) and returns the signal that the first SIGINT or SIGTERM aborts. */
export function stopOnSignals(target: SignalTarget = process, now = () => performance.now()): AbortSignal {
  if (controller) return controller.signal;
  const c = (controller = new AbortController());
  let first = 0;
  for (const sig of Object.keys(SIGNAL_EXIT) as StopSignal[])
    target.on(sig, () => {
      if (received) {
        if (now() - first < SAME_PRESS_MS) return;
        target.stderr.write(`\n${sig} again: quitting now\n`);
        target.exit(SIGNAL_EXIT[sig]);
        return;
      }
      received = sig;
      first = now();
      target.stderr.write(`\n${sig}: stopping after this step (Ctrl-C again to quit now)\n`);
      c.abort();
    });
  return c.signal;
}

/** The first stop signal received, if any. */
export const receivedSignal = (): StopSignal | undefined => received;

/** Forgets the handlers' state (tests install them on several targets). */
export function resetSignals(): void {
  controller = received = undefined;
}

/** A shell word for `arg`: quoted unless it is plain. */
const word = (arg: string) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/** The command line that ran this process, as typed (`npm start`, `npm run cli`, or node), to run again. */
export function sameCommand(argv: string[], env: Record<string, string | undefined>): string {
  const args = argv.slice(2).map(word);
  if (env.npm_lifecycle_event === 'start' && args[0] === 'start')
    return ['npm start', ...(args.length > 1 ? ['--', ...args.slice(1)] : [])].join(' ');
  if (env.npm_lifecycle_event === 'cli') return ['npm run --silent cli --', ...args].join(' ');
  return ['node', word(argv[1]), ...args].join(' ');
}
