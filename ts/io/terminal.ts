// The CLI's reporter: progress bars on stderr (redrawn on a terminal, plain lines elsewhere), notes
// on stderr, and result rows as JSON lines on stdout (or nowhere, when a command prints its own).
import type { Reporter } from '../util/reporter.js';
import { progressBars, type ProgressSink } from '../util/progress.js';
import { emit, log } from './stdio.js';

export function stderrSink(): ProgressSink {
  return {
    write: (text) => void process.stderr.write(text),
    tty: !!process.stderr.isTTY,
    now: () => performance.now(),
  };
}

/** Bars labelled `label phase` (just `phase` when label is ''), rows to stdout unless `rows: false`. */
export function terminalReporter(label = '', { rows = true }: { rows?: boolean } = {}): Reporter {
  return {
    progress: progressBars(label, stderrSink()),
    row: rows ? (r) => void emit(r) : () => {},
    log: (message) => log(message),
  };
}
