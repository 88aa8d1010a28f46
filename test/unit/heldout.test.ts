// Held-out evaluation's bookkeeping with a scripted model: prompts of every op decoded together,
// answers judged per op, the majority-answer baseline, and prompts too long for the context left out.
import { describe, expect, it } from 'vitest';
import {
  generate,
  generateMany,
  promptText,
  solutionBody,
  TEMPLATES,
  trainingText,
  type Problem,
} from '../../ts/data/generator.js';
import { trainDefaultTokenizer } from '../../ts/data/tokenizer-default.js';
import { heldOut, modalAnswers, packDocuments, pooled, type TrainableModel } from '../../ts/train/heldout.js';

describe('held-out evaluation', () => {
  it('judges greedy answers per op, beside the majority answer, across decode batches', async () => {
    const tok = await trainDefaultTokenizer();
    const byOp = new Map<number, Problem[]>();
    for (const op of [2, 3])
      byOp.set(
        op,
        await Promise.all(
          Array.from({ length: 6 }, (_, i) =>
            generate({ seed: 100 * op + i, op, template: 'crazy_zootopia', mode: 'forward' }),
          ),
        ),
      );
    const all = [...byOp.values()].flat();
    const right = new Set(all.filter((_, i) => i % 3 !== 0).map((p) => promptText(p))); // 2 of 3 right
    const calls: number[] = [];
    const model: TrainableModel = {
      decodeBatch: 5,
      trainStep: async () => ({ loss: 0, gradNorm: 0 }),
      evalLoss: async () => 1.5,
      snapshot: async () => ({ params: new Float32Array(), m: new Float32Array(), v: new Float32Array() }),
      greedy: async (prompts) => {
        calls.push(prompts.length);
        return prompts.map((ids) => {
          const p = all.find((q) => tok.decode(tok.encode(promptText(q))) === tok.decode(ids))!;
          const answer = right.has(promptText(p)) ? p.answer : p.answer + 1;
          return tok.encode(` ${solutionBody(p.solution)} </solution> <answer> ${answer} </answer>`);
        });
      },
    };
    const modal = new Map([
      [2, byOp.get(2)![0].answer],
      [3, 7],
    ]);
    const h = await heldOut(model, tok, byOp, modal, 4, 2048, 100);
    expect(h.loss).toBe(1.5);
    expect(calls).toEqual([5, 5, 2]); // 12 prompts, 5 at a time, ops mixed
    for (const op of [2, 3]) {
      const ps = byOp.get(op)!;
      expect(h.judged[op]).toBe(6);
      expect(h.accuracy[op]).toBeCloseTo(ps.filter((p) => right.has(promptText(p))).length / 6, 12);
      expect(h.majority[op]).toBeCloseTo(ps.filter((p) => p.answer === modal.get(op)).length / 6, 12);
    }
    expect(h.majority[2]).toBeGreaterThan(0);
    const short = await heldOut(model, tok, byOp, modal, 4, 20, 100); // no prompt fits 20 tokens
    expect(short.judged).toEqual({ 2: 0, 3: 0 });
    expect(short.accuracy).toEqual({});
  });
});

describe('held-out evaluation at the edge of the context', () => {
  it('judges the prompts shorter than S, caps generation at S - 1 tokens, stops at </answer>', async () => {
    const tok = await trainDefaultTokenizer();
    const ps = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        generate({ seed: 7 + i, op: 3, template: 'teachers_in_school', mode: 'forward' }),
      ),
    );
    const lengths = ps.map((p) => tok.encode(promptText(p)).length);
    const S = [...lengths].sort((a, b) => a - b)[4]; // that prompt and the longer ones do not fit
    const seen: { prompts: number[]; maxNew: number; stop: number }[] = [];
    const model: TrainableModel = {
      decodeBatch: 3,
      trainStep: async () => ({ loss: 0, gradNorm: 0 }),
      evalLoss: async () => 0,
      snapshot: async () => ({ params: new Float32Array(), m: new Float32Array(), v: new Float32Array() }),
      greedy: async (prompts, maxNew, stop) => {
        seen.push({ prompts: prompts.map((q) => q.length), maxNew, stop });
        return prompts.map((q) => {
          const p = ps[lengths.indexOf(q.length)];
          return tok.encode(` ${solutionBody(p.solution)} </solution> <answer> ${p.answer} </answer>`);
        });
      },
    };
    const phases: string[] = [];
    const onProgress = (e: { phase: string; done: number; total: number }) => {
      phases.push(`${e.phase} ${e.done}/${e.total}`);
    };
    const h = await heldOut(model, tok, new Map([[3, ps]]), new Map([[3, ps[0].answer]]), 4, S, 10_000, onProgress);
    const fit = lengths.filter((n) => n < S).length;
    expect(h.judged[3]).toBe(fit);
    expect(h.accuracy[3]).toBe(1);
    expect(seen.flatMap((c) => c.prompts)).toEqual(lengths.filter((n) => n < S));
    expect(seen.every((c) => c.maxNew === S - 1 && c.stop === tok.specialId('</answer>'))).toBe(true);
    expect(phases.at(-1)).toBe(`held-out answers ${fit}/${fit}`);
  });
});

describe('modal answers', () => {
  it('are, for each op, an answer as frequent as any on 3,000 other problems', async () => {
    const modal = await modalAnswers([2, 4, 6]);
    for (const op of [2, 4, 6]) {
      const counts = new Map<number, number>();
      for (const template of TEMPLATES)
        for (const p of await generateMany({ seed: 4242, op, template, mode: 'forward', count: 1000 }))
          counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
      const top = Math.max(...counts.values());
      // Two samples of 3,000 estimate each answer's share within about 1 point: 3 points of slack.
      expect(counts.get(modal.get(op)!)! / 3000).toBeGreaterThan(top / 3000 - 0.03);
    }
  });
});

describe('pooled accuracy', () => {
  it('weights each op by the problems it judged', () => {
    const h = {
      loss: 0,
      accuracy: { 2: 0.5, 3: 0.25, 4: 0 },
      judged: { 2: 10, 3: 30, 4: 0 },
      majority: { 2: 0.2, 3: 0.1, 4: 1 },
    };
    const p = pooled(h, [2, 3, 4]);
    expect(p.judged).toBe(40);
    expect(p.accuracy).toBeCloseTo((5 + 7.5) / 40, 12);
    expect(p.majority).toBeCloseTo((2 + 3) / 40, 12);
    expect(p.ratio).toBeCloseTo(12.5 / 5, 12);
  });
});

describe('held-out loss documents', () => {
  it('one per row, the loss counted on the tokens after <solution> only', async () => {
    const tok = await trainDefaultTokenizer();
    const ps = await Promise.all(
      [2, 5].map((op) => generate({ seed: 3, op, template: 'movie_festival_awards', mode: 'forward' })),
    );
    const S = 400;
    const b = packDocuments(tok, ps, 3, S);
    for (const [r, p] of ps.entries()) {
      const doc = [...tok.encode(trainingText(p)), tok.specialId('[EOS]')];
      const prompt = tok.encode(promptText(p)).length; // through <solution>
      expect(Array.from(b.ids.subarray(r * S, r * S + doc.length - 1))).toEqual(doc.slice(0, -1));
      expect(Array.from(b.targets.subarray(r * S, r * S + doc.length - 1))).toEqual(doc.slice(1));
      const counted = Array.from(b.mask.subarray(r * S, (r + 1) * S)).flatMap((m, i) => (m ? [i] : []));
      expect(counted).toEqual(Array.from({ length: doc.length - prompt }, (_, i) => prompt - 1 + i));
    }
    expect(b.mask.subarray(2 * S).every((m) => m === 0)).toBe(true); // the empty row
  });
});

describe('held-out loss over the tokens there are', () => {
  it('leaves out a batch whose questions fill the sequence before <solution>, and has no loss with none left', async () => {
    const tok = await trainDefaultTokenizer();
    // Prompts run through <solution>: the 6 shortest of 12 problems fit S, the 6 longest do not.
    const promptLen = (p: Problem) => tok.encode(promptText(p)).length;
    const pool = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        generate({ seed: i, op: i < 6 ? 2 : 30, template: 'crazy_zootopia', mode: 'forward' }),
      ),
    );
    pool.sort((a, b) => promptLen(a) - promptLen(b));
    const [short, long] = [pool.slice(0, 6), pool.slice(6)];
    const S = promptLen(long[0]) - 2;
    expect(promptLen(short[5])).toBeLessThan(S);
    const losses = [1, 3]; // what each batch that counts a token gets, in order
    const model: TrainableModel = {
      decodeBatch: 4,
      trainStep: async () => ({ loss: 0, gradNorm: 0 }),
      // As the model does: a mean over no token is NaN.
      evalLoss: async (b) => (b.mask.some((m) => m > 0) ? losses.shift()! : NaN),
      snapshot: async () => ({ params: new Float32Array(), m: new Float32Array(), v: new Float32Array() }),
      greedy: async (prompts) => prompts.map(() => new Int32Array()),
    };
    const modal = new Map([
      [2, 0],
      [3, 0],
    ]);
    // Short: two batches (4 + 2 problems) with tokens; long: two without.
    const h = await heldOut(
      model,
      tok,
      new Map([
        [2, short],
        [3, long],
      ]),
      modal,
      4,
      S,
      4,
    );
    expect(h.loss).toBe((1 + 3) / 2);
    const none = await heldOut(model, tok, new Map([[3, long]]), modal, 4, S, 4);
    expect('loss' in none).toBe(false);
    expect(JSON.parse(JSON.stringify({ eval_loss: none.loss }))).toEqual({});
  });
});
