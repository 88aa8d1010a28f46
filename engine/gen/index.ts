// The generator's WebAssembly surface (re-exported by engine/index.ts). ts/data/generator.ts wraps it.
import { drawProblem, MAX_OP, MIN_OP } from './draw';
import { answer, writeProblem, writeQuestion, writeSolution } from './render';
import { TEMPLATES } from './templates';
import { FNV_OFFSET, hash, hashFrom, len, putChar, putInt, reset, textPointer } from './text';

const HEX = '0123456789abcdef';
const FIELD = 0x1f;
const RECORD = 0x1e;
const NEWLINE: u64 = 0x0a;
const FNV_PRIME: u64 = 0x100000001b3;

/** The template names, in index order, joined by commas. */
export function genTemplateNames(): string {
  const names: string[] = [];
  for (let i = 0; i < TEMPLATES.length; i++) names.push(TEMPLATES[i].name);
  return names.join(',');
}

/**
 * Writes problems start..start+count-1 of a seed (seed and start are integers below 2^53) as
 * UTF-8 text at genTextPointer() and returns its length in bytes: one record per problem (fields
 * problem, question, solution, answer, id), records separated by \x1e and fields by \x1f.
 * mode: 0 forward, 1 reverse. The id hashes problem, "\n", question, "\n", solution.
 */
export function genProblems(seed: f64, start: f64, count: i32, op: i32, template: i32, mode: i32): i32 {
  if (op < MIN_OP || op > MAX_OP) abort('op must be in ' + MIN_OP.toString() + '..' + MAX_OP.toString());
  if (template < 0 || template >= TEMPLATES.length) abort('unknown template index ' + template.toString());
  if (mode != 0 && mode != 1) abort('mode must be 0 (forward) or 1 (reverse)');
  const t = TEMPLATES[template];
  reset();
  for (let i = 0; i < count; i++) {
    if (i > 0) putChar(RECORD);
    drawProblem(template, <u64>seed, <u64>start + <u64>i, op, mode == 1);
    hashFrom(true, FNV_OFFSET);
    writeProblem(t);
    hashFrom(false, hash);
    putChar(FIELD);
    hashFrom(true, (hash ^ NEWLINE) * FNV_PRIME);
    writeQuestion();
    hashFrom(false, hash);
    putChar(FIELD);
    hashFrom(true, (hash ^ NEWLINE) * FNV_PRIME);
    writeSolution();
    hashFrom(false, hash);
    putChar(FIELD);
    putInt(answer());
    putChar(FIELD);
    for (let k = 60; k >= 0; k -= 4) putChar(HEX.charCodeAt(<i32>((hash >> k) & 15)));
  }
  return len;
}

/** Address of the text the last genProblems call wrote. */
export function genTextPointer(): usize {
  return textPointer();
}
