// JSON lines: the CLI's machine-readable output on stdout; logs and progress go to stderr.
export function emit(row: unknown): void {
  process.stdout.write(JSON.stringify(row) + '\n');
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
