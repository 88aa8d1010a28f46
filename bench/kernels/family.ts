// What a kernel family (one folder here) gives the harness: its numbered variants, how to read a
// shape, fresh inputs, and the plain CPU reference a variant's output is checked against.
import type { Dispatch } from '../../ts/gpu/index.js';

export interface Variant<S> {
  /** Two digits: the WGSL file's prefix and the --variant key. 01 is the engine's own kernel. */
  id: string;
  name: string;
  /** Why this variant cannot compute `shape` (e.g. a size not a multiple of 4); undefined when it can. */
  refuses?(shape: S): string | undefined;
  /** The dispatches that write `output` from `inputs` (in the order of the family's `inputs`). */
  dispatch(shape: S, inputs: GPUBuffer[], output: GPUBuffer): Dispatch[];
}

/** Output elements to compare (all, or a sample of a large output), with their reference values and tolerances. */
export interface Expected {
  index: Uint32Array;
  want: Float64Array;
  tol: Float64Array;
}

export interface Family<S> {
  name: string;
  /** What --shape takes, e.g. 'MxNxK'. */
  shapeSyntax: string;
  /** The shape, or a thrown one-line error naming what is wrong. */
  parseShape(text: string): S;
  formatShape(shape: S): string;
  defaultShape: S;
  /** Small shapes with ragged edges: the unit test checks every variant on them. */
  testShapes: S[];
  /** Floating-point operations of one computation, for GFLOP/s. */
  flops(shape: S): number;
  inputs(shape: S, rand: () => number): Float32Array[];
  outputLength(shape: S): number;
  expected(shape: S, inputs: Float32Array[]): Expected;
  /** In id order, starting at 00 (the plain baseline) and 01 (the engine's kernel). */
  variants: Variant<S>[];
}
