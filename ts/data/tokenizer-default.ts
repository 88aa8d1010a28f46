// The project's default tokenizer: trained on a generated corpus fixed by a seed, so that
// `data tokenizer` (and `data build` when given no tokenizer) gives the same tokenizer.json on
// every machine. The corpus covers every template, both modes and ops 2-20 evenly.
import { generateMany, MODES, TEMPLATES, trainingText } from './generator.js';
import { DEFAULT_VOCAB_SIZE, trainTokenizer } from './tokenizer-train.js';
import type { Tokenizer } from './tokenizer.js';

export const DEFAULT_CORPUS_SEED = 2201;
export const DEFAULT_CORPUS_OPS = { min: 2, max: 20 };
/** Problems per (op, template, mode): 19 ops x 3 templates x 2 modes x 20 = 2,280 problems, ~3 MB. */
export const DEFAULT_CORPUS_PER_CELL = 20;

export interface DefaultTokenizerOptions {
  seed?: number;
  perCell?: number;
  vocabSize?: number;
}

export async function defaultCorpus(seed: number, perCell: number): Promise<string[]> {
  const texts: string[] = [];
  for (let op = DEFAULT_CORPUS_OPS.min; op <= DEFAULT_CORPUS_OPS.max; op++) {
    for (const template of TEMPLATES) {
      for (const mode of MODES) {
        const problems = await generateMany({ seed, op, template, mode, count: perCell });
        for (const p of problems) texts.push(trainingText(p));
      }
    }
  }
  return texts;
}

export async function trainDefaultTokenizer(o: DefaultTokenizerOptions = {}): Promise<Tokenizer> {
  const corpus = await defaultCorpus(o.seed ?? DEFAULT_CORPUS_SEED, o.perCell ?? DEFAULT_CORPUS_PER_CELL);
  return trainTokenizer(corpus, { vocabSize: o.vocabSize ?? DEFAULT_VOCAB_SIZE });
}
