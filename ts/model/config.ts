// Model configuration in Hugging Face Qwen2 `config.json` form, validated field by field.
export interface Qwen2Config {
  architectures: ['Qwen2ForCausalLM'];
  model_type: 'qwen2';
  vocab_size: number;
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  max_position_embeddings: number;
  rope_theta: number;
  rms_norm_eps: number;
  tie_word_embeddings: true;
  hidden_act: 'silu';
  initializer_range: number;
  torch_dtype: 'float32';
  attention_dropout: 0;
  use_sliding_window: false;
}

export type PresetName = 'tiny' | 'mini' | 'paper';

type Shape = Pick<
  Qwen2Config,
  | 'hidden_size'
  | 'intermediate_size'
  | 'num_hidden_layers'
  | 'num_attention_heads'
  | 'num_key_value_heads'
  | 'max_position_embeddings'
  | 'rope_theta'
>;

// tiny: tests (fast finite differences); mini: the CPU default `npm start` trains; paper: SPEC §3.
// mini's RoPE base is 1e4: with 32-dim heads and 512 positions, the paper's 1e6 leaves most rotary
// pairs nearly still, and mini began to read the prompt later with it (bench/RESULTS.md).
const SHAPES: Record<PresetName, Shape> = {
  tiny: {
    hidden_size: 32,
    intermediate_size: 64,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 128,
    rope_theta: 1e6,
  },
  mini: {
    hidden_size: 128,
    intermediate_size: 512,
    num_hidden_layers: 4,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    max_position_embeddings: 512,
    rope_theta: 1e4,
  },
  paper: {
    hidden_size: 768,
    intermediate_size: 3072,
    num_hidden_layers: 12,
    num_attention_heads: 12,
    num_key_value_heads: 2,
    max_position_embeddings: 2048,
    rope_theta: 1e6,
  },
};

/** A preset for a given vocabulary (the tokenizer decides it, so the two always agree). */
export function preset(name: PresetName, vocabSize: number): Qwen2Config {
  const shape = SHAPES[name];
  if (!shape) throw new Error(`unknown model preset '${name}'; choose one of ${Object.keys(SHAPES).join(', ')}`);
  return validateConfig({ vocab_size: vocabSize, ...shape, rms_norm_eps: 1e-6 });
}

/** The fields every Qwen2 config here has; a config.json may omit them. */
const FIXED = {
  architectures: ['Qwen2ForCausalLM'],
  model_type: 'qwen2',
  tie_word_embeddings: true,
  hidden_act: 'silu',
  initializer_range: 0.02,
  torch_dtype: 'float32',
  attention_dropout: 0,
  use_sliding_window: false,
} as const;

export const PRESETS = Object.keys(SHAPES) as PresetName[];

export function headDim(c: Qwen2Config): number {
  return c.hidden_size / c.num_attention_heads;
}

/** Checks a parsed config.json; every problem is named by its field. Extra HF fields are kept. */
export function validateConfig(raw: unknown): Qwen2Config {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error('model config must be a JSON object');
  const c = raw as Record<string, unknown>;
  const bad: string[] = [];
  const posInt = (k: string) => {
    if (!Number.isInteger(c[k]) || (c[k] as number) <= 0)
      bad.push(`${k} must be a positive integer (got ${JSON.stringify(c[k])})`);
  };
  const posNum = (k: string) => {
    if (typeof c[k] !== 'number' || !((c[k] as number) > 0) || !Number.isFinite(c[k]))
      bad.push(`${k} must be a positive number (got ${JSON.stringify(c[k])})`);
  };
  const exact = (k: string, v: unknown, why: string) => {
    if (c[k] !== undefined && JSON.stringify(c[k]) !== JSON.stringify(v))
      bad.push(`${k} must be ${JSON.stringify(v)} (${why}; got ${JSON.stringify(c[k])})`);
  };
  for (const k of [
    'vocab_size',
    'hidden_size',
    'intermediate_size',
    'num_hidden_layers',
    'num_attention_heads',
    'num_key_value_heads',
    'max_position_embeddings',
  ])
    posInt(k);
  for (const k of ['rope_theta', 'rms_norm_eps']) posNum(k);
  exact('model_type', 'qwen2', 'only Qwen2 is implemented');
  exact('tie_word_embeddings', true, 'the LM head is the input embedding');
  exact('hidden_act', 'silu', 'the MLP is SwiGLU');
  exact('use_sliding_window', false, 'attention is full causal');
  if (!bad.length) {
    const H = c.num_attention_heads as number,
      KVH = c.num_key_value_heads as number,
      D = c.hidden_size as number;
    if (D % H) bad.push(`hidden_size ${D} must be divisible by num_attention_heads ${H}`);
    else if ((D / H) % 4) bad.push(`head dimension hidden_size/num_attention_heads = ${D / H} must be a multiple of 4`);
    if (H % KVH) bad.push(`num_attention_heads ${H} must be a multiple of num_key_value_heads ${KVH}`);
    if (D % 4) bad.push(`hidden_size ${D} must be a multiple of 4`);
    if ((c.intermediate_size as number) % 4)
      bad.push(`intermediate_size ${c.intermediate_size} must be a multiple of 4`);
  }
  if (bad.length) throw new Error(`bad model config: ${bad.join('; ')}`);
  return { ...FIXED, ...(c as object) } as Qwen2Config;
}
