import { benchTokenizer } from './tokenizer.js';

// The bench sections, in the order `npm run bench` runs them. One line each.
export interface BenchSection {
  name: string;
  summary: string;
  run(): Promise<void>;
}

export const sections: BenchSection[] = [
  { name: 'tokenizer', summary: 'BPE training time, encode/decode MB/s vs the 10 MB/s target', run: benchTokenizer },
];
