// Where every Qwen2 tensor lives in the flat parameter buffer (and, with the same layout, in the
// gradient and optimizer-state buffers). Names are Hugging Face's, so checkpoints interchange.
import { log64 } from '../util/math64.js';
import { headDim, type Qwen2Config } from './config.js';

export interface TensorSlot {
  name: string;
  shape: number[];
  /** Offset in elements; a multiple of ALIGN so each tensor can be bound on its own. */
  offset: number;
  size: number;
  /** AdamW weight decay applies (matrices), or not (norms, biases), as is usual. */
  decay: boolean;
}

/** 256-byte binding alignment (minStorageBufferOffsetAlignment) in f32 elements. */
export const ALIGN = 64;

export interface ParamLayout {
  slots: TensorSlot[];
  byName: Map<string, TensorSlot>;
  /** Total elements including alignment gaps (which stay zero). */
  total: number;
  /** Elements that are real parameters. */
  count: number;
}

/** Rows the embedding occupies in the flat buffer: the vocabulary rounded up to a multiple of 4. */
export function embedRows(c: Qwen2Config): number {
  return Math.ceil(c.vocab_size / 4) * 4;
}

/** Elements a tensor occupies in the flat buffer: its size, the embedding's reserved rows included. */
export function slotElements(c: Qwen2Config, s: TensorSlot): number {
  return s.name === 'model.embed_tokens.weight' ? embedRows(c) * c.hidden_size : s.size;
}

export function paramLayout(c: Qwen2Config): ParamLayout {
  const D = c.hidden_size,
    F = c.intermediate_size,
    hd = headDim(c);
  const q = c.num_attention_heads * hd,
    kv = c.num_key_value_heads * hd;
  const list: [string, number[], boolean][] = [['model.embed_tokens.weight', [c.vocab_size, D], true]];
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `model.layers.${i}.`;
    list.push(
      [`${p}input_layernorm.weight`, [D], false],
      [`${p}self_attn.q_proj.weight`, [q, D], true],
      [`${p}self_attn.q_proj.bias`, [q], false],
      [`${p}self_attn.k_proj.weight`, [kv, D], true],
      [`${p}self_attn.k_proj.bias`, [kv], false],
      [`${p}self_attn.v_proj.weight`, [kv, D], true],
      [`${p}self_attn.v_proj.bias`, [kv], false],
      [`${p}self_attn.o_proj.weight`, [D, q], true],
      [`${p}post_attention_layernorm.weight`, [D], false],
      [`${p}mlp.gate_proj.weight`, [F, D], true],
      [`${p}mlp.up_proj.weight`, [F, D], true],
      [`${p}mlp.down_proj.weight`, [D, F], true],
    );
  }
  list.push(['model.norm.weight', [D], false]);
  const slots: TensorSlot[] = [];
  let offset = 0;
  let count = 0;
  for (const [name, shape, decay] of list) {
    const size = shape.reduce((a, b) => a * b, 1);
    const slot = { name, shape, offset, size, decay };
    slots.push(slot);
    // The embedding reserves rows up to a multiple of 4 (zero, never a target, masked out of the
    // softmax), so the tied LM head's products all take the vec4 path.
    offset += Math.ceil(slotElements(c, slot) / ALIGN) * ALIGN;
    count += size;
  }
  return { slots, byName: new Map(slots.map((s) => [s.name, s])), total: offset, count };
}

/**
 * Initial weights as Qwen2 does it (`_init_weights`): every Linear and the embedding ~ N(0, 0.02),
 * biases 0, RMSNorm weights 1. Deterministic in `seed`.
 */
export function initParams(c: Qwen2Config, layout: ParamLayout, seed: number): Float32Array {
  const out = new Float32Array(layout.total);
  const normal = gaussian(seed);
  for (const s of layout.slots) {
    const view = out.subarray(s.offset, s.offset + s.size);
    if (s.name.endsWith('layernorm.weight') || s.name === 'model.norm.weight') view.fill(1);
    else if (s.name.endsWith('.bias')) view.fill(0);
    else for (let i = 0; i < view.length; i++) view[i] = c.initializer_range * normal();
  }
  return out;
}

/**
 * Standard normal numbers by Marsaglia's polar method over a 32-bit counter hash: same seed, same
 * bits on every JavaScript engine. Besides exact arithmetic it takes only +, -, *, / and Math.sqrt
 * (correctly rounded by IEEE 754 and ECMAScript) and log64 (ts/util/math64.ts), never Math.log,
 * Math.sin or Math.cos, whose last bits ECMAScript leaves to each engine.
 */
export function gaussian(seed: number): () => number {
  let n = 0;
  const u = () => {
    // splitmix32 of (seed, n): independent of call history beyond the counter.
    let z = (Math.imul(seed >>> 0, 0x9e3779b9) + Math.imul(++n, 0x85ebca6b)) >>> 0;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad) >>> 0;
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97) >>> 0;
    return ((z ^ (z >>> 15)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    // A uniform point of the unit disc (by rejection: 4 / pi pairs per point on average); x and y
    // have 32 significant bits at most, so x * x and y * y round once each.
    for (;;) {
      const x = 2 * u() - 1,
        y = 2 * u() - 1,
        s = x * x + y * y;
      if (s > 0 && s < 1) {
        const f = Math.sqrt((-2 * log64(s)) / s);
        spare = y * f;
        return x * f;
      }
    }
  };
}
