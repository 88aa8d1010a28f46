// The CLI's standard streams: JSON lines, its machine-readable output, on stdout; notes on stderr.

/** Settles at stdout's next 'drain'; one shared wait, so callers that do not await add no listeners. */
let drained: Promise<void> | undefined;

/**
 * Writes one row. The promise settles once stdout takes more: a loop that writes many rows awaits it,
 * so a slow reader holds the loop back instead of the rows piling up in memory.
 */
export function emit(row: unknown): Promise<void> {
  if (process.stdout.write(JSON.stringify(row) + '\n')) return Promise.resolve();
  drained ??= new Promise((resolve) =>
    process.stdout.once('drain', () => {
      drained = undefined;
      resolve();
    }),
  );
  return drained;
}

/** Settles once everything written to stdout so far has been handed to the OS (before process.exit). */
export function flushStdout(): Promise<void> {
  return new Promise((resolve) => process.stdout.write('', () => resolve()));
}

export function log(...parts: unknown[]): void {
  process.stderr.write(parts.map((p) => (typeof p === 'string' ? p : JSON.stringify(p))).join(' ') + '\n');
}

/** Reads JSON lines from a stream; a malformed line is reported with its line number. */
export async function* readJsonl(stream: NodeJS.ReadableStream): AsyncGenerator<unknown> {
  let buf = '';
  let line = 0;
  for await (const chunk of stream) {
    buf += chunk.toString();
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const text = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      line++;
      if (text) yield parseLine(text, line);
    }
  }
  if (buf.trim()) yield parseLine(buf.trim(), line + 1);
}

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`input line ${line} is not valid JSON: ${(e as Error).message}`);
  }
}
