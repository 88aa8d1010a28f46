// The engine against a plain PyTorch Qwen2 (tools/oracle/qwen2.py, Debian's python3-torch) on the
// `tiny` config: loss within 1e-5 relative, every gradient within 1e-4 relative. CI installs
// python3-torch; where it is missing this test fails and says what to install.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { TrainingModel } from '../../ts/model/training.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { decodeSafetensors } from '../../ts/ckpt/safetensors.js';
import { unpackParams } from '../../ts/ckpt/weights.js';
import { saveCheckpoint } from '../../ts/ckpt/checkpoint.js';
import { rng, testSeed } from '../util/random.js';
import { testGpu } from './setup.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

const PYTHON = '/usr/bin/python3';
const TCMALLOC = '/usr/lib/x86_64-linux-gnu/libtcmalloc_minimal.so.4';
const seed = testSeed();
const rand = rng(seed);

function torchAvailable(): string | undefined {
  try {
    execFileSync(PYTHON, ['-c', 'import torch'], { stdio: 'pipe' });
    return undefined;
  } catch {
    return `the PyTorch oracle needs Debian's python3-torch at ${PYTHON} (scripts/setup-system.sh installs it)`;
  }
}

describe(`PyTorch oracle (seed ${seed})`, () => {
  it('tiny config: loss within 1e-5 and every gradient within 1e-4 relative', async () => {
    const missing = torchAvailable();
    expect(missing, missing).toBeUndefined();
    const g = await testGpu();
    const V = 103;
    const config = preset('tiny', V);
    const layout = paramLayout(config);
    const params = initParams(config, layout, 1 + Math.floor(rand() * 1e6));
    for (const s of layout.slots) for (let i = 0; i < s.size; i++) params[s.offset + i] += 0.1 * (rand() - 0.5);
    const B = 2,
      S = 16;
    const ids = Uint32Array.from({ length: B * S }, () => Math.floor(rand() * V));
    const targets = Uint32Array.from({ length: B * S }, () => Math.floor(rand() * V));
    const mask = Float32Array.from({ length: B * S }, (_, i) => (i % 7 === 0 ? 0 : 1));
    const model = new TrainingModel(
      g,
      config,
      { params },
      { batch: B, seqLen: S },
      { beta1: 0.9, beta2: 0.95, eps: 1e-8, weight_decay: 0, clip: 0 },
    );
    const ours = await model.lossAndGrads({ ids, targets, mask });

    const dir = mkdtempSync(join(tmpdir(), 'oracle-'));
    const zeros = new Float32Array(layout.total);
    const ckpt = await saveCheckpoint(store, join(dir, 'ckpt'), {
      config,
      layout,
      params,
      m: zeros,
      v: zeros,
      tokenizerJson: '{}',
      state: { step: 0, tokensSeen: 0, dataCursor: null, rng: null, runConfig: null },
    });
    const rows = (x: ArrayLike<number>) => Array.from({ length: B }, (_, b) => Array.from(x).slice(b * S, (b + 1) * S));
    writeFileSync(
      join(dir, 'batch.json'),
      JSON.stringify({ ids: rows(ids), targets: rows(targets), mask: rows(mask) }),
    );
    const env = {
      ...process.env,
      OMP_NUM_THREADS: '2',
      OPENBLAS_NUM_THREADS: '2',
      ...(existsSync(TCMALLOC) ? { LD_PRELOAD: TCMALLOC } : {}),
    };
    execFileSync(PYTHON, ['tools/oracle/qwen2.py', ckpt, join(dir, 'batch.json'), join(dir, 'out.safetensors')], {
      env,
      stdio: 'pipe',
    });
    const oracle = decodeSafetensors(readFileSync(join(dir, 'out.safetensors'))).tensors;

    const want = oracle.get('loss')!.data[0];
    expect(Math.abs(ours.loss - want) / want, `loss ${ours.loss} vs torch ${want}`).toBeLessThan(1e-5);
    const mine = unpackParams(layout, ours.grads);
    for (const [name, t] of mine) {
      const o = oracle.get('grad.' + name)!.data;
      // Relative to the tensor's largest gradient: elementwise relative error is meaningless near 0.
      const scale = o.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let i = 0; i < o.length; i++) worst = Math.max(worst, Math.abs(t.data[i] - o[i]));
      expect(worst / scale, `${name}: max |ours - torch| ${worst} of max |torch| ${scale}`).toBeLessThan(1e-4);
    }
  });
});
