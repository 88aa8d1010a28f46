// `run.sh checkpoint-loss CKPT|RUN_DIR BATCH.json` (offline bundle) / `node dist/node/checkpoint-loss.js`:
// our loss of a checkpoint on a few generated problems (ops 2-5, tokenized by the checkpoint's own
// tokenizer, one problem a row), written with the batch to BATCH.json so an independent
// implementation (tools/hf/qwen2_check.py: Hugging Face's Qwen2ForCausalLM) scores the same tokens.
import { writeFileSync } from 'node:fs';
import { loadCheckpoint } from '../ts/ckpt/checkpoint.js';
import { generateMany } from '../ts/data/generator.js';
import { Tokenizer } from '../ts/data/tokenizer.js';
import { resolveCheckpoint } from '../ts/eval/run.js';
import { Gpu } from '../ts/gpu/index.js';
import { useDawn } from '../ts/io/dawn.js';
import { NodeStore } from '../ts/io/node-store.js';
import { paramLayout } from '../ts/model/params.js';
import { TrainingModel } from '../ts/model/training.js';

const ROWS = 4;

const [ckptArg, batchOut] = process.argv.slice(2);
if (!ckptArg || !batchOut) {
  process.stderr.write('usage: checkpoint-loss CKPT|RUN_DIR BATCH.json\n');
  process.exit(2);
}
useDawn();
const store = new NodeStore();
const ckpt = await loadCheckpoint(store, await resolveCheckpoint(store, ckptArg), paramLayout);
if (!ckpt.tokenizerJson) throw new Error(`checkpoint ${ckpt.dir} has no tokenizer.json`);
const tok = await Tokenizer.fromJson(ckpt.tokenizerJson);
const SEQ = Math.min(256, ckpt.config.max_position_embeddings);
const ids = new Uint32Array(ROWS * SEQ);
const targets = new Uint32Array(ROWS * SEQ);
const mask = new Float32Array(ROWS * SEQ);
for (let r = 0; r < ROWS; r++) {
  const [p] = await generateMany({ seed: 7, op: 2 + r, template: 'crazy_zootopia', mode: 'forward', count: 1 });
  const row = tok.encode(`${p.problem}${p.question}\n${p.solution}`).subarray(0, SEQ + 1);
  for (let i = 0; i + 1 < row.length; i++) {
    ids[r * SEQ + i] = row[i];
    targets[r * SEQ + i] = row[i + 1];
    mask[r * SEQ + i] = 1;
  }
}
const gpu = await Gpu.create();
const opt = { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, clip: 0 };
const model = new TrainingModel(gpu, ckpt.config, { params: ckpt.params }, { batch: ROWS, seqLen: SEQ }, opt);
const { loss } = await model.lossAndGrads({ ids, targets, mask });
const rows = (x: ArrayLike<number>) =>
  Array.from({ length: ROWS }, (_, b) => Array.from(x).slice(b * SEQ, (b + 1) * SEQ));
writeFileSync(batchOut, JSON.stringify({ ids: rows(ids), targets: rows(targets), mask: rows(mask), loss }));
process.stdout.write(
  JSON.stringify({ checkpoint: ckpt.dir, adapter: gpu.adapterName, loss, tokens: mask.reduce((a, b) => a + b) }) + '\n',
);
process.exit(0);
