// Evaluation settings, declared key by key (ts/util/schema.ts validates them): what is sampled, from
// which problems. The names are those of the other stages (top_k, top_p, max_new_tokens, seed).
import { MODES, TEMPLATES, type Mode, type Template } from '../data/generator.js';
import { opList } from '../data/mixture.js';
import { validate, type Field, type StageSchema } from '../util/schema.js';
import type { SamplingConfig } from './evaluate.js';
import { EVAL_PROBLEM_SEED } from './problems.js';

export interface EvalSettings extends Omit<SamplingConfig, 'ks'> {
  ops: number[];
  per_op: number;
  templates: Template[];
  mode: Mode;
  /** Generator seed of the problems (ignored with `data`). */
  problem_seed: number;
  /** A dataset directory whose eval/ files hold the problems; otherwise the generator. */
  data?: string;
}

export const isOp = (o: unknown): boolean => Number.isInteger(o) && (o as number) >= 2 && (o as number) <= 30;

/** Ops as opList reads them: runs of consecutive ops as ranges (2-10,12). */
function showOps(ops: number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < ops.length; i++) {
    let j = i;
    while (j + 1 < ops.length && ops[j + 1] === ops[j] + 1) j++;
    runs.push(j > i ? `${ops[i]}-${ops[j]}` : `${ops[i]}`);
    i = j;
  }
  return runs.join(',');
}

/** A key holding a list of ops, written 2-20 or 2,5,11-14 (evaluation, held-out evaluation). */
export function opsField(doc: string, ops: number[], mayBeEmpty = false): Field {
  const what = `a ${mayBeEmpty ? '' : 'non-empty '}list of ops from 2 to 30`;
  return {
    type: 'json',
    parse: opList,
    value: 'OPS',
    show: (v) => showOps(v as number[]),
    default: ops,
    doc,
    check: (v) => (Array.isArray(v) && (mayBeEmpty || v.length) && v.every(isOp) ? undefined : what),
  };
}

/** A key holding templates, written T,T or as a JSON list (evaluation, RL). */
export const TEMPLATES_FIELD: Field = {
  type: 'json',
  default: [...TEMPLATES],
  value: 'T,T',
  show: (v) => (v as string[]).join(','),
  doc: 'problem templates',
  parse: (t) => (t.trim().startsWith('[') ? JSON.parse(t) : t.split(',')),
  check: (v) =>
    Array.isArray(v) && v.length && v.every((t) => TEMPLATES.includes(t))
      ? undefined
      : `a non-empty list of ${TEMPLATES.join(', ')}`,
};

export const EVAL_SCHEMA: StageSchema = {
  what: 'eval settings',
  fields: {
    ops: opsField('ops to evaluate: 2-20 or 2,5,11-14', opList('2-20')),
    per_op: { type: 'int', min: 1, default: 200, doc: 'problems per op, split evenly over the templates' },
    templates: TEMPLATES_FIELD,
    mode: { type: 'enum', values: MODES, default: 'forward', doc: 'forward or reverse problems' },
    problem_seed: {
      type: 'int',
      min: 0,
      default: EVAL_PROBLEM_SEED,
      doc: 'generator seed of the problems (ignored with data)',
    },
    data: {
      type: 'string',
      optional: true,
      value: 'DIR',
      doc: 'a dataset directory: problems from its eval sets, not the generator',
    },
    n: { type: 'int', min: 1, default: 128, doc: 'samples per problem' },
    temperature: { type: 'number', min: 0, aboveMin: true, max: 100, default: 0.7, doc: 'sampling temperature' },
    top_k: { type: 'int', min: 0, default: 0, doc: 'top-k filter (0: off)' },
    top_p: { type: 'number', min: 0, aboveMin: true, max: 1, default: 1, doc: 'nucleus filter (1: off)' },
    max_new_tokens: { type: 'int', min: 1, default: 1024, doc: 'generated tokens per completion at most' },
    seed: { type: 'int', min: 0, default: 1, doc: 'sampling seed: sampler call i uses seed + i' },
    batch: { type: 'int', min: 1, default: 64, doc: 'sequences decoded at once (the decode batch)' },
  },
  renamed: {
    keys: { perOp: 'per_op', topK: 'top_k', topP: 'top_p', maxNew: 'max_new_tokens', problemSeed: 'problem_seed' },
  },
};

/** Throws an error naming every bad setting. */
export function checkSettings(s: EvalSettings): void {
  validate(EVAL_SCHEMA, s);
}
