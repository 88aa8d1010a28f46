// What a kernel family (one folder here) gives the harness: its numbered variants, how to read a
// shape, fresh inputs, and the plain CPU reference a variant's output is checked against.
import type { Dispatch } from '../../ts/gpu/index.js';

export interface Variant<S> {
  /** Two digits: the WGSL file's prefix and the --variant key. 01 is the engine's own kernel. */
  id: string;
  name: string;
  /** Why this variant cannot compute `shape` (e.g. a size not a multiple of 4); undefined when it can. */
  refuses?(shape: S): string | undefined;
  /** A test file that already checks this kernel (e.g. an engine variant's): kernels.test.ts leaves it to that file. */
  checkedIn?: string;
  /** The dispatches that write `outputs` from `inputs` (each in the family's order). */
  dispatch(shape: S, inputs: GPUBuffer[], outputs: GPUBuffer[]): Dispatch[];
}

/** Elements of one output to compare (all, or a sample of a large output), their reference values and tolerances. */
export interface Expected {
  /** The output's name in messages, e.g. 'C'. */
  name: string;
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
  /** The work of one computation: floating-point operations (reported as GFLOP/s) or, for a kernel
   * bound by memory, bytes read and written (GB/s). */
  work(shape: S): { flops: number } | { bytes: number };
  inputs(shape: S, rand: () => number): Float32Array[];
  outputLengths(shape: S): number[];
  /** One per output, in order. */
  expected(shape: S, inputs: Float32Array[]): Expected[];
  /** In id order, starting at 00 (the plain baseline) and 01 (the engine's kernel). */
  variants: Variant<S>[];
}

/** 'MxNxK'-style text as `syntax.split('x').length` positive integers, or a one-line error naming the family. */
export function parseDims(family: string, syntax: string, text: string, example: string): number[] {
  const dims = text.split('x').map(Number);
  if (dims.length !== syntax.split('x').length || !dims.every((d) => Number.isInteger(d) && d > 0)) {
    throw new Error(`${family} shape '${text}' must be ${syntax} with positive integers, e.g. ${example}`);
  }
  return dims;
}
