// Process-verified pass@k (SPEC §6): n sampled completions per problem, each judged by the verifier
// for its answer (outcome) and for its steps (strict process correctness, extra steps allowed: the
// `evaluation` reward preset's processCorrect), then pass@k by split, op and template. Per-problem
// counts are kept so results can be re-aggregated (aggregate.ts).
import { promptText, type Problem } from '../data/generator.js';
import { loadVerifier, REWARD_PRESETS, type Score, type Verdict } from '../data/verifier.js';
import type { SampleOptions } from '../model/decoder.js';
import type { ProblemResult } from './aggregate.js';

/**
 * Continues each prompt `group` times (output row p * group + g continues prompt p; stop token
 * included); one call holds at most the sampling batch of sequences. InferenceModel.sample is one.
 */
export type Sampler = (prompts: Int32Array[], opts: SampleOptions) => Promise<{ tokens: Int32Array[] }>;

/** Text to tokens and back (the checkpoint's tokenizer). */
export interface Codec {
  encode(text: string): Int32Array;
  decode(ids: ArrayLike<number>): string;
}

export interface SamplingConfig {
  /** Samples per problem. */
  n: number;
  /** pass@k is reported for these k (each <= n). */
  ks: number[];
  temperature: number;
  top_k: number;
  top_p: number;
  /** Generated tokens per completion at most (the sampler also stops a sequence at the model's context). */
  max_new_tokens: number;
  /** Sampling seed; sampler call i gets seed + i. */
  seed: number;
  /** Sequences per sampler call (the model's decode batch). */
  batch: number;
}

export interface EvaluateOptions {
  sampler: Sampler;
  codec: Codec;
  stopId: number;
  /** Positions the model holds: prompt + completion must fit. */
  context: number;
  sampling: SamplingConfig;
  /** Samples done of the total, at the start and after each sampler call (with the op it sampled). */
  onProgress?: (done: number, total: number, op?: number) => void;
  /** Results of an interrupted run, by problem index: their sampler calls are not made again. */
  done?: ReadonlyMap<number, ProblemResult>;
  /** Called with each problem's result once its n samples are judged. */
  onProblem?: (i: number, result: ProblemResult) => void;
  /**
   * Called with each problem's n completions and their verdicts once judged; given, the verifier
   * explains every step (Verifier.verify) rather than only scoring, with the same counts.
   */
  onSamples?: (i: number, texts: string[], verdicts: Verdict[]) => void;
}

export interface EvaluateOutput {
  problems: ProblemResult[];
  samples: number;
  tokens: number;
  seconds: number;
}

/**
 * Sampler calls covering n samples of every problem that fits: each prompt is prefilled once per
 * call and continued `group` times. With n <= batch, whole problems are packed (floor(batch / n)
 * per call); otherwise each problem takes ceil(n / batch) calls of one prompt.
 */
export function samplerCalls(results: ProblemResult[], n: number, batch: number): { ids: number[]; group: number }[] {
  const todo = results.flatMap((r, i) => (r.skipped ? [] : [i]));
  const calls: { ids: number[]; group: number }[] = [];
  if (n <= batch) {
    const per = Math.floor(batch / n);
    for (let at = 0; at < todo.length; at += per) calls.push({ ids: todo.slice(at, at + per), group: n });
  } else {
    for (const i of todo)
      for (let left = n; left > 0; left -= batch) calls.push({ ids: [i], group: Math.min(batch, left) });
  }
  return calls;
}

/** An evaluation as numbered sampler calls, taken one at a time (the stage loop's steps). */
export interface EvalPlan {
  readonly calls: readonly { ids: number[]; group: number }[];
  /** Per problem, in input order; complete once every call is made. */
  readonly results: ProblemResult[];
  /** Samples drawn and judged so far (those of finished problems given as done included), of `total`. */
  samples: number;
  readonly total: number;
  /** Generated tokens so far. */
  tokens: number;
  /**
   * Makes sampler call k and judges the problems whose n samples are then in; returns their indices,
   * or undefined when every problem of the call was given as done (nothing sampled).
   */
  call(k: number): Promise<number[] | undefined>;
}

/** The plan of sampler calls for the problems; results given in `o.done` are kept and not sampled again. */
export async function planEvaluation(problems: Problem[], o: EvaluateOptions): Promise<EvalPlan> {
  const s = o.sampling;
  if (!Number.isInteger(s.n) || s.n < 1) throw new Error(`n must be a positive integer, got ${s.n}`);
  if (!Number.isInteger(s.batch) || s.batch < 1) throw new Error(`batch must be a positive integer, got ${s.batch}`);
  const verifier = await loadVerifier();
  const prompts = problems.map((p) => o.codec.encode(promptText(p)));
  const results: ProblemResult[] = problems.map((p, i) => ({
    id: p.id,
    op: p.op,
    template: p.template,
    mode: p.mode,
    promptTokens: prompts[i].length,
    n: s.n,
    cOutcome: 0,
    cProcess: 0,
    truncated: 0,
    tokens: 0,
    ...(prompts[i].length >= o.context ? { skipped: 'prompt_too_long' as const } : {}),
  }));
  const plan = {
    calls: samplerCalls(results, s.n, s.batch),
    results,
    samples: 0,
    total: results.filter((r) => !r.skipped).length * s.n,
    tokens: 0,
    call,
  };
  for (const [i, r] of o.done ?? []) {
    if (r.id !== results[i]?.id)
      throw new Error(`the finished result given for problem ${i} is ${r.id}'s, not ${results[i]?.id}'s`);
    results[i] = r;
    plan.tokens += r.tokens;
    plan.samples += r.skipped ? 0 : r.n;
  }
  const pending = new Map<number, string[]>();
  async function call(k: number): Promise<number[] | undefined> {
    const { ids, group } = plan.calls[k];
    // Call numbers (and so seeds) stay those of the whole plan: a resumed run samples what it would have.
    if (ids.every((i) => o.done?.has(i))) return undefined;
    const { tokens: outs } = await o.sampler(
      ids.map((i) => prompts[i]),
      {
        maxNew: s.max_new_tokens,
        stopId: o.stopId,
        temperature: s.temperature,
        topK: s.top_k,
        topP: s.top_p,
        seed: s.seed + k,
        group,
      },
    );
    if (outs.length !== ids.length * group)
      throw new Error(`sampler returned ${outs.length} completions for ${ids.length} prompts x ${group}`);
    const finished: number[] = [];
    outs.forEach((out, row) => {
      const i = ids[Math.floor(row / group)];
      if (o.done?.has(i)) return; // never counted twice
      plan.samples++;
      plan.tokens += out.length;
      results[i].tokens += out.length;
      if (out[out.length - 1] !== o.stopId) results[i].truncated++;
      const texts = pending.get(i) ?? [];
      texts.push(o.codec.decode(out));
      pending.set(i, texts);
      // A problem is judged as soon as its n samples are in, so few texts are held at once.
      if (texts.length === s.n) {
        const cfg = REWARD_PRESETS.evaluation;
        const verdicts = o.onSamples ? texts.map((t) => verifier.verify(problems[i], t, cfg)) : undefined;
        const scores: Score[] = verdicts ?? verifier.scoreBatch(problems[i], texts, cfg);
        for (const score of scores) {
          results[i].cOutcome += score.outcome;
          results[i].cProcess += score.processCorrect ? 1 : 0;
        }
        if (verdicts) o.onSamples?.(i, texts, verdicts);
        pending.delete(i);
        finished.push(i);
      }
    });
    return finished;
  }
  return plan;
}

/** Samples, judges and counts; problems keep their input order. */
export async function evaluateProblems(problems: Problem[], o: EvaluateOptions): Promise<EvaluateOutput> {
  const t0 = performance.now();
  const plan = await planEvaluation(problems, o);
  o.onProgress?.(plan.samples, plan.total);
  for (let k = 0; k < plan.calls.length; k++) {
    const finished = await plan.call(k);
    if (!finished) continue;
    for (const i of finished) o.onProblem?.(i, plan.results[i]);
    o.onProgress?.(plan.samples, plan.total, problems[plan.calls[k].ids[0]].op);
  }
  return {
    problems: plan.results,
    samples: plan.samples,
    tokens: plan.tokens,
    seconds: (performance.now() - t0) / 1000,
  };
}
