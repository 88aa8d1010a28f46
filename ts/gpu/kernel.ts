// A kernel is a WGSL source with one compute entry point; `constants` are WGSL `override`s, which
// specialise one source into many pipelines (tile sizes, transposes, workgroup size).
import detmath from '../../shaders/detmath.wgsl';

export interface Kernel {
  /** Shader file name without extension, e.g. 'matmul'; used in errors and labels. */
  name: string;
  source: string;
  entry: string;
}

/**
 * `source` with shaders/detmath.wgsl (det_exp, det_log) prepended: the one copy of the deterministic
 * transcendentals, for every kernel that needs one (WGSL has no include).
 */
export function withDetMath(source: string): string {
  return `${detmath}\n${source}`;
}

export type Constants = Record<string, number | boolean>;

// Kernel objects are identified by reference, so two kernels that share a name never share pipelines.
const ids = new WeakMap<Kernel, number>();
let nextId = 0;

export function kernelKey(k: Kernel, constants?: Constants): string {
  let id = ids.get(k);
  if (id === undefined) ids.set(k, (id = nextId++));
  const c = constants
    ? Object.keys(constants)
        .sort()
        .map((n) => `${n}=${+constants[n]}`)
        .join(',')
    : '';
  return `${k.name}#${id}:${k.entry}:${c}`;
}
