// `tokenize` / `detokenize`: JSON lines in, JSON lines out, with a Hugging Face tokenizer.json.
// Each input row keeps its other fields, so ids can be carried through a pipeline.
import { emit, readJsonl } from '../../../ts/io/stdio.js';
import { NodeStore } from '../../../ts/io/node-store.js';
import { DEFAULT_TOKENIZER_PATH, readTokenizerFile } from '../../../ts/data/tokenizer-file.js';
import type { Command, Options } from '../options.js';

const TOKENIZER: Options = {
  tokenizer: { type: 'string', default: DEFAULT_TOKENIZER_PATH, value: 'PATH', help: 'a Hugging Face tokenizer.json' },
};

type Row = Record<string, unknown>;

async function* rows(text: string | undefined, field: 'text' | 'ids'): AsyncGenerator<Row> {
  if (text !== undefined) {
    yield { [field]: field === 'ids' ? text.split(',').map(Number) : text };
    return;
  }
  let line = 0;
  for await (const row of readJsonl(process.stdin)) {
    line++;
    if (field === 'text' && typeof row === 'string') yield { text: row };
    else if (typeof row === 'object' && row !== null && !Array.isArray(row) && field in row) yield row as Row;
    else
      throw new Error(`input row ${line} needs a "${field}" field${field === 'text' ? ' (or be a JSON string)' : ''}`);
  }
}

export const tokenize: Command = {
  summary: 'text -> ids: JSON lines {"text": ...} (or JSON strings) on stdin, each written back with "ids" added',
  options: { text: { type: 'string', help: 'one text to encode instead of stdin' }, ...TOKENIZER },
  async run(args) {
    const tokPath = args.str('tokenizer');
    const text = args.optStr('text');
    const tok = await readTokenizerFile(new NodeStore(), tokPath);
    for await (const row of rows(text, 'text')) {
      if (typeof row.text !== 'string') throw new Error('"text" must be a string');
      await emit({ ...row, ids: [...tok.encode(row.text)] });
    }
  },
};

export const detokenize: Command = {
  summary: 'ids -> text: JSON lines {"ids": [...]} on stdin, each written back with "text" added',
  options: {
    ids: { type: 'string', value: '1,2,3', help: 'one list of ids to decode instead of stdin' },
    ...TOKENIZER,
  },
  async run(args) {
    const tokPath = args.str('tokenizer');
    const ids = args.optStr('ids');
    const tok = await readTokenizerFile(new NodeStore(), tokPath);
    for await (const row of rows(ids, 'ids')) {
      if (!Array.isArray(row.ids) || !row.ids.every(Number.isInteger))
        throw new Error('"ids" must be an array of integers');
      await emit({ ...row, text: tok.decode(row.ids as number[]) });
    }
  },
};
