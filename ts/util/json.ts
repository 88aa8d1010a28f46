// JSON read from files and options, with errors that stay on one line (the CLI prints one line).

/** `message` with its line breaks and runs of spaces collapsed (JSON.parse quotes the bad text). */
export function oneLine(message: string): string {
  return message.replace(/\s+/g, ' ').trim();
}

/** JSON.parse, or an error: `WHAT is not valid JSON (why)[; hint]`. */
export function parseJson(text: string, what: string, hint?: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid JSON (${oneLine((e as Error).message)})${hint ? '; ' + hint : ''}`);
  }
}

/** JSON with sorted keys at every level: two values are the same config when this text is. */
export const canonicalJson = (v: unknown): string =>
  JSON.stringify(v, (_, x) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort()) : x,
  );
