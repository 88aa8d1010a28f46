// Attention tokens/s (forward, and forward + backward) on the chosen adapter beside PyTorch (CPU,
// Hugging Face Qwen2's eager attention) on the same shapes, in the same run.
import { Gpu } from '../ts/gpu/index.js';
import {
  ATTENTION_VARIANTS,
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  type AttentionShape,
  type AttentionVariant,
} from '../ts/ops/attention.js';
import { ATTENTION_TILES, attentionTileRefusal } from '../ts/ops/attention_tiled.js';
import { medianSeconds as seconds } from '../ts/gpu/timing.js';
import { runTorch, torchThreads } from './torch.js';

export interface AttentionCase extends AttentionShape {
  name: string;
  reps: number;
}

const cases: AttentionCase[] = [
  { name: 'mini  B=8 S=512 H=4 KVH=2 hd=32', B: 8, S: 512, H: 4, KVH: 2, hd: 32, reps: 3 },
  { name: 'hd64  B=8 S=512 H=4 KVH=2 hd=64', B: 8, S: 512, H: 4, KVH: 2, hd: 64, reps: 3 },
  { name: 'paper B=1 S=2048 H=12 KVH=2 hd=64', B: 1, S: 2048, H: 12, KVH: 2, hd: 64, reps: 1 },
];

/** The variants `gpu` can run (ts/ops/attention_tiled.ts), the lavapipe kernels first. */
export function attentionVariants(gpu: Gpu): AttentionVariant[] {
  return ATTENTION_VARIANTS.filter((v) => v === 'lavapipe' || !attentionTileRefusal(ATTENTION_TILES[v], gpu.limits));
}

/**
 * Median seconds of the forward, the backward and both (on `variant`, loops unrolled on a GPU as the
 * engine runs them there) of one case on `gpu`.
 */
export async function timeAttention(
  gpu: Gpu,
  c: AttentionCase,
  variant: AttentionVariant = 'lavapipe',
): Promise<{ forward: number; backward: number; train: number }> {
  const T = c.B * c.S;
  const buf = (n: number, label: string) => {
    const b = gpu.buffer(n * 4, label);
    gpu.write(
      b,
      Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    );
    return b;
  };
  const io = {
    q: buf(T * c.H * c.hd, 'q'),
    k: buf(T * c.KVH * c.hd, 'k'),
    v: buf(T * c.KVH * c.hd, 'v'),
    o: buf(T * c.H * c.hd, 'o'),
    lse: buf(T * c.H, 'lse'),
  };
  const grads = {
    dO: buf(T * c.H * c.hd, 'dO'),
    dq: buf(T * c.H * c.hd, 'dq'),
    dk: buf(T * c.KVH * c.hd, 'dk'),
    dv: buf(T * c.KVH * c.hd, 'dv'),
    scratch: buf(attentionBackwardScratch(c), 'scratch'),
  };
  const args = { ...c, ...io, ...grads, variant, unroll: gpu.adapterKind === 'gpu' };
  const fwd = attentionForward(args);
  const bwd = attentionBackward(args);
  const forward = await seconds(gpu, fwd, c.reps); // also the o and lse the backward reads
  const backward = await seconds(gpu, bwd, c.reps);
  const train = await seconds(gpu, [...fwd, ...bwd], c.reps);
  for (const b of [...Object.values(io), ...Object.values(grads)]) b.destroy();
  return { forward, backward, train };
}

type Peer = { torch: string; threads: number; results: { name: string; forward_s: number; train_s: number }[] };

/** Each case on each variant the adapter can run (a row each: forward, backward, both). */
export async function benchAttention(): Promise<void> {
  const gpu = await Gpu.create();
  const torch = runTorch<Peer>('attention_bench.py', cases);
  if (torch.reason) process.stderr.write(`${torch.reason}\n`);
  else
    process.stderr.write(
      `peer: PyTorch ${torch.result!.torch} on CPU, ${torch.result!.threads} threads (tcmalloc, OMP/OPENBLAS threads = ${torchThreads()}), HF eager attention\n`,
    );
  for (const c of cases) {
    for (const variant of attentionVariants(gpu)) await benchCase(gpu, c, variant, torch.result);
  }
}

async function benchCase(gpu: Gpu, c: AttentionCase, variant: AttentionVariant, torch?: Peer): Promise<void> {
  const tokens = c.B * c.S;
  const ours = await timeAttention(gpu, c, variant);
  const peer = torch?.results.find((r) => r.name === c.name);
  const row: Record<string, unknown> = { bench: 'attention', case: c.name, variant, adapter: gpu.adapterName };
  let line = `${c.name} [${variant}]`.padEnd(48);
  const label = { forward: 'fwd', backward: 'bwd', train: 'fwd+bwd' };
  for (const kind of ['forward', 'backward', 'train'] as const) {
    const mine = tokens / ours[kind];
    const theirs = peer && kind !== 'backward' ? tokens / peer[`${kind}_s`] : undefined; // PyTorch: no bwd alone
    line +=
      `  ${label[kind]} ${mine.toFixed(0).padStart(7)} tokens/s` +
      (theirs ? ` (PyTorch ${theirs.toFixed(0)}, ${(mine / theirs).toFixed(2)}x)` : '');
    Object.assign(row, {
      [`${kind}_tokens_per_s`]: mine,
      [`torch_${kind}_tokens_per_s`]: theirs,
      [`${kind}_ratio`]: theirs ? mine / theirs : undefined,
    });
  }
  process.stderr.write(line + '\n');
  process.stdout.write(JSON.stringify(row) + '\n');
}
