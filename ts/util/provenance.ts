// The engine's identity, written beside every result (run directories, checkpoints, evaluation
// results, fingerprints) so a result says what produced it and a comparison can tell a code change
// from a vendor difference: version and commit (compiled in by scripts/build-info.mjs), and SHA-256
// of the WGSL sources and of engine.wasm, which is what runs on the device and in the tokenizer.
import wasmBytes from '../../build/engine.wasm';
import adamw from '../../shaders/adamw.wgsl';
import attention from '../../shaders/attention.wgsl';
import attention_tiled from '../../shaders/attention_tiled.wgsl';
import attention_tiled_bwd from '../../shaders/attention_tiled_bwd.wgsl';
import attention_tiled_common from '../../shaders/attention_tiled_common.wgsl';
import bias from '../../shaders/bias.wgsl';
import cast from '../../shaders/cast.wgsl';
import cross_entropy from '../../shaders/cross_entropy.wgsl';
import detmathBuiltin from '../../shaders/detmath-builtin.wgsl';
import detmath from '../../shaders/detmath.wgsl';
import elementwise from '../../shaders/elementwise.wgsl';
import embedding from '../../shaders/embedding.wgsl';
import grad_norm from '../../shaders/grad_norm.wgsl';
import kvcache from '../../shaders/kvcache.wgsl';
import matmul from '../../shaders/matmul.wgsl';
import matmul_tiled from '../../shaders/matmul_tiled.wgsl';
import reduce from '../../shaders/reduce.wgsl';
import reduceSubgroup from '../../shaders/reduce_subgroup.wgsl';
import rmsnorm from '../../shaders/rmsnorm.wgsl';
import rope from '../../shaders/rope.wgsl';
import sample from '../../shaders/sample.wgsl';
import swiglu from '../../shaders/swiglu.wgsl';
import { sha256Hex } from './hash.js';

/** Every WGSL source, by file name, in name order (test/unit/provenance.test.ts checks it lists shaders/). */
export const SHADERS: Readonly<Record<string, string>> = {
  'adamw.wgsl': adamw,
  'attention.wgsl': attention,
  'attention_tiled.wgsl': attention_tiled,
  'attention_tiled_bwd.wgsl': attention_tiled_bwd,
  'attention_tiled_common.wgsl': attention_tiled_common,
  'bias.wgsl': bias,
  'cast.wgsl': cast,
  'cross_entropy.wgsl': cross_entropy,
  'detmath-builtin.wgsl': detmathBuiltin,
  'detmath.wgsl': detmath,
  'elementwise.wgsl': elementwise,
  'embedding.wgsl': embedding,
  'grad_norm.wgsl': grad_norm,
  'kvcache.wgsl': kvcache,
  'matmul.wgsl': matmul,
  'matmul_tiled.wgsl': matmul_tiled,
  'reduce.wgsl': reduce,
  'reduce_subgroup.wgsl': reduceSubgroup,
  'rmsnorm.wgsl': rmsnorm,
  'rope.wgsl': rope,
  'sample.wgsl': sample,
  'swiglu.wgsl': swiglu,
};

export interface EngineIdentity {
  version: string;
  /** The git commit built from ('-dirty' with uncommitted changes), null outside a checkout. */
  commit: string | null;
  /** SHA-256 of the shader sources: each file's name, a NUL, its text, a NUL, in name order. */
  shadersSha256: string;
  wasmSha256: string;
}

/** What a GPUAdapterInfo and the device say about an adapter (strings empty where it says nothing). */
export interface AdapterDescription {
  name: string;
  kind: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  subgroupMinSize: number;
  subgroupMaxSize: number;
}

/** The identity of the engine and the adapter a result was computed on. */
export interface Provenance {
  engine: EngineIdentity;
  adapter?: AdapterDescription;
  /** Kernel variants chosen for the adapter by family (e.g. matmul: 'tiled64'); absent: the defaults. */
  kernels?: Record<string, string>;
}

let identity: Promise<EngineIdentity> | undefined;

/** The engine's identity (computed once per process). */
export function engineIdentity(): Promise<EngineIdentity> {
  identity ??= (async () => {
    const text = Object.keys(SHADERS)
      .sort()
      .map((name) => `${name}\0${SHADERS[name]}\0`)
      .join('');
    return {
      version: __ENGINE_VERSION__,
      commit: __ENGINE_COMMIT__,
      shadersSha256: await sha256Hex(text),
      wasmSha256: await sha256Hex(wasmBytes),
    };
  })();
  return identity;
}

/** The engine's identity with the adapter's description and kernel variants, when a GPU was used. */
export async function provenance(adapter?: AdapterDescription, kernels?: Record<string, string>): Promise<Provenance> {
  const engine = await engineIdentity();
  if (!adapter) return { engine };
  return kernels && Object.keys(kernels).length ? { engine, adapter, kernels: { ...kernels } } : { engine, adapter };
}
