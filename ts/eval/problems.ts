// Evaluation problems per op, split evenly over the templates: drawn from the generator with a fixed
// seed, or read from a dataset's eval/<template>/opNN.jsonl files (written by `data build`, and kept
// out of that dataset's training shards).
import { generateMany, type Mode, type Problem, type Template } from '../data/generator.js';
import { joinPath, readText, type RunStore } from '../store/store.js';
import { parseJson } from '../util/json.js';

/** Seed of the generator stream evaluation problems come from when no dataset is given. */
export const EVAL_PROBLEM_SEED = 20_251_207;

export interface ProblemSpec {
  ops: number[];
  /** Problems per op, all templates together. */
  perOp: number;
  templates: readonly Template[];
  mode: Mode;
}

/** perOp split over the templates: the first `perOp % T` templates get one more. */
export function templateQuota(perOp: number, templates: number): number[] {
  return Array.from({ length: templates }, (_, i) => Math.floor(perOp / templates) + (i < perOp % templates ? 1 : 0));
}

/** Distinct problems (by content id) from the generator's stream for `seed`, op by op. */
export async function generatorProblems(spec: ProblemSpec, seed = EVAL_PROBLEM_SEED): Promise<Problem[]> {
  const out: Problem[] = [];
  const quota = templateQuota(spec.perOp, spec.templates.length);
  for (const op of spec.ops) {
    for (const [t, template] of spec.templates.entries()) {
      const seen = new Set<string>();
      // Low ops have few distinct problems: give up with a clear error rather than loop forever.
      for (let start = 0; seen.size < quota[t]; start += quota[t]) {
        if (start > 50 * quota[t] + 1000)
          throw new Error(`op ${op} ${template}: the generator gave fewer than ${quota[t]} distinct problems`);
        for (const p of await generateMany({ seed, op, template, mode: spec.mode, start, count: quota[t] })) {
          if (seen.size < quota[t] && !seen.has(p.id)) {
            seen.add(p.id);
            out.push(p);
          }
        }
      }
    }
  }
  return out;
}

/** The first problems of each eval/<template>/opNN.jsonl of a dataset directory. */
export async function datasetProblems(store: RunStore, dir: string, spec: ProblemSpec): Promise<Problem[]> {
  const out: Problem[] = [];
  const quota = templateQuota(spec.perOp, spec.templates.length);
  for (const op of spec.ops) {
    for (const [t, template] of spec.templates.entries()) {
      if (!quota[t]) continue;
      const file = joinPath(dir, 'eval', template, `op${String(op).padStart(2, '0')}.jsonl`);
      const text = await readText(store, file);
      if (text === undefined)
        throw new Error(
          `${file} is missing: build the dataset with evaluation sets for op ${op} (data build --eval-ops ...) or leave out --data to use the generator`,
        );
      const rows = text
        .split('\n')
        .filter((l) => l.trim())
        .map((l, i) => parseJson(l, `${file} row ${i + 1}`, 'build the dataset again (data build)') as Problem)
        .filter((p) => p.mode === spec.mode);
      if (rows.length < quota[t])
        throw new Error(`${file} holds ${rows.length} ${spec.mode} problems; ${quota[t]} are needed (lower --per-op)`);
      out.push(...rows.slice(0, quota[t]));
    }
  }
  return out;
}
