// Which attention forward a device runs (ts/ops/attention.ts), by the rules of ts/ops/select.ts:
// forced (ENGINE_ATTENTION), the lavapipe kernel on CPU adapters, else a timed trial at the stage's
// attention shape, cached. The tiled variants give the lavapipe forward's bits on lavapipe and
// SwiftShader (test/gpu/attention-variants.test.ts); on a GPU, whose compiler unrolls their loops,
// the trial checks it too and leaves out a variant whose o or lse differ (choice.differs).
import type { Gpu } from '../gpu/device.js';
import { ATTENTION_VARIANTS, attentionForward, setAttentionVariant } from './attention.js';
import type { AttentionShape, AttentionVariant } from './attention.js';
import { ATTENTION_TILES, attentionTileRefusal } from './attention_tiled.js';
import { chooseVariant, medianMs, type VariantChoice } from './select.js';

export type AttentionChoice = VariantChoice<AttentionVariant>;

/**
 * Chooses the device's attention forward at `shape` (see the header), makes it the one in use (with
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

/** Median milliseconds of each variant's forward at `shape`; a variant whose bits differ from the first's is left out. */
async function trial(gpu: Gpu, x: AttentionShape, variants: AttentionVariant[], unroll: boolean) {
  const T = x.B * x.S;
  const input = (n: number, label: string) => {
    const b = gpu.buffer(n * 4, label);
    gpu.write(
      b,
      Float32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 1000 - 0.5),
    );
    return b;
  };
  const q = input(T * x.H * x.hd, 'attention trial q'),
    k = input(T * x.KVH * x.hd, 'attention trial k'),
    v = input(T * x.KVH * x.hd, 'attention trial v');
  const o = gpu.buffer(T * x.H * x.hd * 4, 'attention trial o'),
    lse = gpu.buffer(T * x.H * 4, 'attention trial lse');
  const ms: Partial<Record<AttentionVariant, number>> = {};
  const differs: AttentionVariant[] = [];
  let want: Uint32Array[] | undefined;
  try {
    for (const variant of variants) {
      const time = await medianMs(gpu, attentionForward({ ...x, q, k, v, o, lse, variant, unroll }));
      const got = [await gpu.read(o, Uint32Array), await gpu.read(lse, Uint32Array)];
      want ??= got;
      if (got.every((a, i) => a.every((w, j) => w === want![i][j]))) ms[variant] = time;
      else differs.push(variant);
    }
  } finally {
    for (const b of [q, k, v, o, lse]) b.destroy();
  }
  return { ms, differs };
}
