// tokenizer.json on disk (Node only) and the tokenizer's content hash, which dataset indexes record
// so that shards are never read with a tokenizer other than the one that wrote them.
import { existsSync } from 'node:fs';
import { readInput, writeFileAtomic } from '../io/files.js';
import { oneLine } from '../util/json.js';
import { sha256 } from './shards.js';
import { Tokenizer } from './tokenizer.js';

export const DEFAULT_TOKENIZER_PATH = 'tokenizer.json';

export async function readTokenizerFile(path: string): Promise<Tokenizer> {
  if (!existsSync(path)) {
    throw new Error(
      `no tokenizer at ${path}; make the default one with \`npm run --silent cli -- data tokenizer --out ${path}\` or pass --tokenizer PATH`,
    );
  }
  const text = readInput(path, 'tokenizer').toString('utf8');
  try {
    return await Tokenizer.fromJson(text);
  } catch (e) {
    throw new Error(`tokenizer ${path} is not a usable tokenizer.json (${oneLine((e as Error).message)}); remake it with data tokenizer --out ${path}`);
  }
}

export function writeTokenizerFile(path: string, tok: Tokenizer): void {
  writeFileAtomic(path, JSON.stringify(tok.toJson(), null, 1) + '\n');
}

/** sha256 of the tokenizer's canonical JSON: equal for equal vocabularies, merges and special tokens. */
export function tokenizerHash(tok: Tokenizer): string {
  return sha256(JSON.stringify(tok.toJson()));
}
