// A kernel is a WGSL source with one compute entry point; `constants` are WGSL `override`s, which
// specialise one source into many pipelines (tile sizes, transposes, workgroup size).
import detmath from '../../shaders/detmath.wgsl';
import detmathBuiltin from '../../shaders/detmath-builtin.wgsl';

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

/** Which transcendentals the kernels built with `withDetMath` get; see `setTranscendentals`. */
export type Transcendentals = 'deterministic' | 'builtin';
let transcendentals: Transcendentals = 'deterministic';

/**
 * BENCH / DIAGNOSTIC ONLY (issue 13's cost check, bench/train.ts): 'builtin' compiles every kernel
 * made by `withDetMath` with the platform's `exp` and `log` (shaders/detmath-builtin.wgsl) instead of
 * the deterministic ones, so a bench can time both in one process. Results then differ between
 * adapters. No config or CLI option reaches it; set it back to 'deterministic' when done. Switch
 * between steps, not inside one: a step's pipelines are prepared and encoded in the mode of the time.
 */
export function setTranscendentals(mode: Transcendentals): void {
  if (mode !== 'deterministic' && mode !== 'builtin')
    throw new Error(`setTranscendentals: mode must be 'deterministic' or 'builtin', got '${mode}'`);
  transcendentals = mode;
}

const builtinMath = (k: Kernel) => transcendentals === 'builtin' && k.source.startsWith(detmath);

/** The WGSL to compile for `k` in the current mode (`setTranscendentals`). */
export function kernelSource(k: Kernel): string {
  return builtinMath(k) ? detmathBuiltin + k.source.slice(detmath.length) : k.source;
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
  // Builtin-math pipelines get their own keys: a mode switch never reuses the other mode's pipeline.
  return `${k.name}#${id}:${k.entry}:${c}${builtinMath(k) ? ':builtin-math' : ''}`;
}
