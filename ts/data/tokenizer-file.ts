// tokenizer.json in a run store and the tokenizer's content hash, which dataset indexes record so
// that shards are never read with a tokenizer other than the one that wrote them.
import type { RunStore } from '../store/store.js';
import { sha256Hex } from '../util/hash.js';
import { oneLine } from '../util/json.js';
import { Tokenizer } from './tokenizer.js';

export const DEFAULT_TOKENIZER_PATH = 'tokenizer.json';

/** The file's bytes; a store's error names the file as the tokenizer (what the user passed). */
async function readBytes(store: RunStore, path: string): Promise<Uint8Array | undefined> {
  try {
    return await store.read(path);
  } catch (e) {
    const { code, reason } = e as { code?: string; reason?: string };
    if (reason === undefined) throw e;
    throw Object.assign(new Error(`cannot read tokenizer ${path}: ${reason}`), { code, reason });
  }
}

export async function readTokenizerFile(store: RunStore, path: string): Promise<Tokenizer> {
  const bytes = await readBytes(store, path);
  if (!bytes) {
    throw new Error(
      `no tokenizer at ${path}; make the default one with \`npm run --silent cli -- data tokenizer --out ${path}\` or pass --tokenizer PATH`,
    );
  }
  const text = new TextDecoder().decode(bytes);
  try {
    return await Tokenizer.fromJson(text);
  } catch (e) {
    throw new Error(
      `tokenizer ${path} is not a usable tokenizer.json (${oneLine((e as Error).message)}); remake it with data tokenizer --out ${path}`,
    );
  }
}

export async function writeTokenizerFile(store: RunStore, path: string, tok: Tokenizer): Promise<void> {
  await store.write(path, JSON.stringify(tok.toJson(), null, 1) + '\n');
}

/** sha256 of the tokenizer's canonical JSON: equal for equal vocabularies, merges and special tokens. */
export function tokenizerHash(tok: Tokenizer): Promise<string> {
  return sha256Hex(JSON.stringify(tok.toJson()));
}
