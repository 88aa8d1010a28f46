// Typed face of the GSM-Infinite problem generator that lives in the engine (engine/gen). The same
// WebAssembly runs in Node and in the browser, so one seed gives the same bytes everywhere.
import { loadEngine } from './engine.js';

export type Template = 'crazy_zootopia' | 'teachers_in_school' | 'movie_festival_awards';
export type Mode = 'forward' | 'reverse';

export const TEMPLATES: readonly Template[] = ['crazy_zootopia', 'teachers_in_school', 'movie_festival_awards'];
export const MODES: readonly Mode[] = ['forward', 'reverse'];
const utf8 = new TextDecoder();
/** Problems per engine call. */
const CHUNK = 2048;

export const MIN_OP = 2;
export const MAX_OP = 30;

/** One problem, with the fields of the genuine GSM-Infinite jsonl plus a content id. */
export interface Problem {
  problem: string;
  question: string;
  solution: string;
  answer: number;
  op: number;
  template: Template;
  mode: Mode;
  /** 64-bit FNV-1a of problem, question and solution (UTF-16 code units), 16 hex digits. */
  id: string;
}

export interface GenerateOptions {
  seed: number;
  op: number;
  template: Template;
  mode: Mode;
}

export interface GenerateManyOptions extends GenerateOptions {
  count: number;
  /** Index of the first problem of the seed's stream (default 0). */
  start?: number;
}

/** Problem 0 of the seed: generate(o) equals generateMany({...o, count: 1})[0]. */
export async function generate(o: GenerateOptions): Promise<Problem> {
  return (await generateMany({ ...o, count: 1 }))[0];
}

/** Problems start..start+count-1 of the seed's stream; each is regenerated alone the same way. */
export async function generateMany(o: GenerateManyOptions): Promise<Problem[]> {
  const start = o.start ?? 0;
  checkOptions(o);
  if (!Number.isInteger(o.count) || o.count < 0 || o.count > 1_000_000)
    throw new Error(`count must be an integer in 0..1000000, got ${o.count}`);
  if (!Number.isSafeInteger(start) || start < 0 || !Number.isSafeInteger(start + o.count))
    throw new Error(`start must be a non-negative safe integer, got ${start}`);
  const engine = await loadEngine();
  const tpl = templateIndex(engine.genTemplateNames(), o.template);
  const mode = o.mode === 'reverse' ? 1 : 0;
  const out: Problem[] = [];
  // Chunks keep the engine's text buffer small whatever the count.
  for (let done = 0; done < o.count; done += CHUNK) {
    const bytes = engine.genProblems(o.seed, start + done, Math.min(CHUNK, o.count - done), o.op, tpl, mode);
    // The engine writes UTF-8 into its memory; one native decode beats lifting a wasm string.
    // (Read the memory only after the call: generating may grow it.)
    const text = utf8.decode(new Uint8Array(engine.memory.buffer, engine.genTextPointer(), bytes));
    for (const rec of text.split('\x1e')) {
      const [problem, question, solution, answer, id] = rec.split('\x1f');
      out.push({
        problem,
        question,
        solution,
        answer: Number(answer),
        op: o.op,
        template: o.template,
        mode: o.mode,
        id,
      });
    }
  }
  return out;
}

function checkOptions(o: GenerateOptions): void {
  if (!Number.isSafeInteger(o.seed) || o.seed < 0)
    throw new Error(`seed must be a non-negative safe integer, got ${o.seed}`);
  if (!Number.isInteger(o.op) || o.op < MIN_OP || o.op > MAX_OP)
    throw new Error(`op must be an integer in ${MIN_OP}..${MAX_OP}, got ${o.op}`);
  if (!TEMPLATES.includes(o.template))
    throw new Error(`unknown template '${o.template}'; choose one of ${TEMPLATES.join(', ')}`);
  if (!MODES.includes(o.mode)) throw new Error(`mode must be 'forward' or 'reverse', got '${o.mode}'`);
}

function templateIndex(names: string, template: Template): number {
  const i = names.split(',').indexOf(template);
  if (i < 0) throw new Error(`template '${template}' is missing from the engine build (rebuild the engine)`);
  return i;
}

/** SPEC §1's training text: question, solution without its "Answer:" sentence, and the answer. */
export function trainingText(p: Problem): string {
  return `${promptText(p)} ${solutionBody(p.solution)} </solution> <answer> ${p.answer} </answer>`;
}

/** Everything the model is given at RL and evaluation time: up to and including `<solution>`. */
export function promptText(p: Problem): string {
  return `<question> ${p.problem.trimEnd()} ${p.question} </question> <solution>`;
}

/** The solution with its closing "Answer: N." sentence removed. */
export function solutionBody(solution: string): string {
  const at = solution.lastIndexOf(' Answer: ');
  return at >= 0 ? solution.slice(0, at) : solution.trimEnd();
}
