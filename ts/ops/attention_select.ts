// Which attention kernels, forward and backward, a device runs (ts/ops/attention.ts), by the rules of
// ts/ops/select.ts: forced (ENGINE_ATTENTION), the lavapipe kernels on CPU adapters, else a timed
// trial of forward + backward at the stage's attention shape, cached. The tiled variants give the
// lavapipe kernels' bits on lavapipe and SwiftShader (test/gpu/attention-variants.test.ts); on a GPU,
// whose compiler unrolls their loops, the trial checks it too and leaves out a variant whose o, lse,
// dq, D, dk or dv differ (choice.differs).
import type { Gpu } from '../gpu/device.js';
import {
  ATTENTION_VARIANTS,
  attentionBackward,
  attentionBackwardScratch,
  attentionForward,
  setAttentionVariant,
} from './attention.js';
import type { AttentionShape, AttentionVariant } from './attention.js';
import { ATTENTION_TILES, attentionTileRefusal } from './attention_tiled.js';
import { chooseVariant, medianMs, type VariantChoice } from './select.js';

export type AttentionChoice = VariantChoice<AttentionVariant>;

/**
 * Chooses the device's attention kernels at `shape` (see the header), makes it the one in use (with
 * unrolled loops on a GPU; CPU adapters compile those for tens of seconds) and records it in gpu.kernels.
 */
export async function selectAttention(gpu: Gpu, shape: AttentionShape): Promise<AttentionChoice> {
  const unroll = gpu.adapterKind === 'gpu';
  const choice = await chooseVariant(gpu, {
    family: 'attention',
    env: 'ENGINE_ATTENTION',
    variants: ATTENTION_VARIANTS,
    refusal: (v) => (v === 'lavapipe' ? undefined : attentionTileRefusal(ATTENTION_TILES[v], gpu.limits)),
    key: { attention: shape },
    trial: (variants) => trial(gpu, shape, variants, unroll),
  });
  setAttentionVariant(choice.variant, unroll);
  return choice;
}

/**
 * Median milliseconds of each variant's forward + backward at `shape`; a variant whose outputs' bits
 * differ from the first's is left out.
 */
async function trial(gpu: Gpu, x: AttentionShape, variants: AttentionVariant[], unroll: boolean) {
  const T = x.B * x.S;
  const Q = T * x.H * x.hd,
    KV = T * x.KVH * x.hd;
  const buffer = (n: number, label: string) => gpu.buffer(n * 4, `attention trial ${label}`);
  const input = (n: number, label: string) => {
    const b = buffer(n, label);
    gpu.write(
      b,
      Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    );
    return b;
  };
  const io = { q: input(Q, 'q'), k: input(KV, 'k'), v: input(KV, 'v'), dO: input(Q, 'dO') };
  const outs = {
    o: buffer(Q, 'o'),
    lse: buffer(T * x.H, 'lse'),
    dq: buffer(Q, 'dq'),
    scratch: buffer(attentionBackwardScratch(x), 'D'),
    dk: buffer(KV, 'dk'),
    dv: buffer(KV, 'dv'),
  };
  const ms: Partial<Record<AttentionVariant, number>> = {};
  const differs: AttentionVariant[] = [];
  let want: Uint32Array[] | undefined;
  try {
    for (const variant of variants) {
      const args = { ...x, ...io, ...outs, variant, unroll };
      const time = await medianMs(gpu, [...attentionForward(args), ...attentionBackward(args)]);
      const got = await Promise.all(Object.values(outs).map((b) => gpu.read(b, Uint32Array)));
      want ??= got;
      if (got.every((a, i) => a.every((w, j) => w === want![i][j]))) ms[variant] = time;
      else differs.push(variant);
    }
  } finally {
    for (const b of [...Object.values(io), ...Object.values(outs)]) b.destroy();
  }
  return { ms, differs };
}
