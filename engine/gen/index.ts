// The generator's WebAssembly surface (re-exported by engine/index.ts). ts/data/generator.ts wraps it.
import { Draw, MIN_OP, MAX_OP } from './draw';
import { contentId } from './hash';
import { Renderer } from './render';
import { TEMPLATES } from './templates';

const FIELD = '\x1f';
const RECORD = '\x1e';

const draw = new Draw();

/** The template names, in index order, joined by commas. */
export function genTemplateNames(): string {
  const names: string[] = [];
  for (let i = 0; i < TEMPLATES.length; i++) names.push(TEMPLATES[i].name);
  return names.join(',');
}

/**
 * Problems start..start+count-1 of a seed (seed and start are integers below 2^53), one record per
 * problem (fields problem, question, solution, answer, id), records separated by \x1e and fields by
 * \x1f. mode: 0 forward, 1 reverse.
 */
export function genProblems(seed: f64, start: f64, count: i32, op: i32, template: i32, mode: i32): string {
  if (op < MIN_OP || op > MAX_OP) abort('op must be in ' + MIN_OP.toString() + '..' + MAX_OP.toString());
  if (template < 0 || template >= TEMPLATES.length) abort('unknown template index ' + template.toString());
  if (mode != 0 && mode != 1) abort('mode must be 0 (forward) or 1 (reverse)');
  const t = TEMPLATES[template];
  const renderer = new Renderer(draw, t);
  const records: string[] = [];
  for (let i = 0; i < count; i++) {
    draw.run(t, <u64>seed, <u64>start + <u64>i, op, mode == 1);
    const r = renderer.render();
    const id = contentId(r.problem, r.question, r.solution);
    records.push(r.problem + FIELD + r.question + FIELD + r.solution + FIELD + r.answer.toString() + FIELD + id);
  }
  return records.join(RECORD);
}
