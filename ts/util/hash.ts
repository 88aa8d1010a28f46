// SHA-256 through WebCrypto (globalThis.crypto.subtle: Node >= 19 and every browser), so hashing
// code runs unchanged in both.

const encoder = new TextEncoder();

/** The lowercase hex SHA-256 of bytes, or of a string's UTF-8. */
export async function sha256Hex(data: Uint8Array | string): Promise<string> {
  const bytes = typeof data === 'string' ? encoder.encode(data) : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
