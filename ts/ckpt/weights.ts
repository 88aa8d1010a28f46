// Between the flat parameter layout and named tensors (Hugging Face Qwen2 names).
import type { Tensor } from './safetensors.js';
import type { ParamLayout } from '../model/params.js';

export function unpackParams(layout: ParamLayout, flat: Float32Array, prefix = ''): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const s of layout.slots)
    out.set(prefix + s.name, { shape: s.shape, data: flat.slice(s.offset, s.offset + s.size) });
  return out;
}

/**
 * Packs named tensors into the flat layout. Every tensor of the layout must be present with its
 * shape; `lm_head.weight` of a tied checkpoint must equal the embedding; anything else unknown is
 * refused, so a checkpoint of another shape is never half-loaded.
 */
export function packParams(
  layout: ParamLayout,
  tensors: Map<string, Tensor>,
  what = 'checkpoint',
  prefix = '',
): Float32Array {
  const flat = new Float32Array(layout.total);
  const missing: string[] = [];
  const problems: string[] = [];
  for (const s of layout.slots) {
    const t = tensors.get(prefix + s.name);
    if (!t) {
      missing.push(s.name);
      continue;
    }
    if (t.shape.join('x') !== s.shape.join('x'))
      problems.push(`${s.name} has shape [${t.shape}], the config needs [${s.shape}]`);
    else flat.set(t.data, s.offset);
  }
  const known = new Set(layout.slots.map((s) => prefix + s.name));
  for (const [name, t] of tensors) {
    if (known.has(name) || !name.startsWith(prefix)) continue;
    if (name === prefix + 'lm_head.weight') {
      const e = tensors.get(prefix + 'model.embed_tokens.weight');
      if (e && !t.data.every((v, i) => v === e.data[i]))
        problems.push('lm_head.weight differs from model.embed_tokens.weight but the config ties them');
    } else if (!name.endsWith('rotary_emb.inv_freq')) problems.push(`unexpected tensor ${name}`);
  }
  if (missing.length)
    problems.unshift(
      `missing ${missing.length} tensor(s): ${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}`,
    );
  if (problems.length) throw new Error(`${what} does not match the model config: ${problems.join('; ')}`);
  return flat;
}
