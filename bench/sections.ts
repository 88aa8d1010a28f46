import { benchAttention } from './attention.js';
import { benchGenerator } from './generator.js';
import { benchGpu } from './gpu.js';
import { benchMatmul } from './matmul.js';
import { benchTokenizer } from './tokenizer.js';
import { benchTrain } from './train.js';
import { benchVerifier } from './verifier.js';

// The bench sections, in the order `npm run bench` runs them. One line each.
export interface BenchSection {
  name: string;
  summary: string;
  run(): Promise<void>;
  /** Run only when named: sized for a discrete GPU, it would take an hour on lavapipe. */
  onlyNamed?: boolean;
}

export const sections: BenchSection[] = [
  { name: 'matmul', summary: 'matmul GFLOP/s (squares, paper shapes) vs PyTorch CPU', run: benchMatmul },
  {
    name: 'attention',
    summary: 'causal GQA attention tokens/s, forward, backward and both (mini, hd 64, paper) vs PyTorch CPU',
    run: benchAttention,
  },
  {
    name: 'generator',
    summary: 'problems/s generated and rendered, uniform op 2-20 forward / 2-12 reverse and per op, vs 20,000/s',
    run: benchGenerator,
  },
  { name: 'tokenizer', summary: 'BPE training time, encode/decode MB/s vs the 10 MB/s target', run: benchTokenizer },
  {
    name: 'train',
    summary: 'training tokens/s (mini, d=256 x 6) vs PyTorch CPU; --paper adds one paper-config step',
    run: benchTrain,
  },
  {
    name: 'sample',
    summary: 'KV-cache sampling tokens/s, 64 prompts x 6 generations (mini) vs PyTorch CPU',
    run: async () => (await import('./sample.js')).benchSample(),
  },
  {
    name: 'verifier',
    summary: 'solutions/s verified (RL groups and full verdicts) vs 20,000/s; 1 MB inputs vs 50 ms',
    run: benchVerifier,
  },
  {
    name: 'gpu',
    summary:
      'a discrete GPU: matmul TFLOP/s (paper shapes), attention, train and sample tokens/s vs PyTorch CUDA ' +
      'fp32/TF32/bf16 (or CPU); --quick shrinks it, --out FILE writes JSON',
    run: benchGpu,
    onlyNamed: true,
  },
];
