// Held-out evaluation's bookkeeping with a scripted model: prompts of every op decoded together,
// answers judged per op, the majority-answer baseline, and prompts too long for the context left out.
import { describe, expect, it } from 'vitest';
import { generate, promptText, solutionBody, type Problem } from '../../ts/data/generator.js';
import { trainDefaultTokenizer } from '../../ts/data/tokenizer-default.js';
import { heldOut, type TrainableModel } from '../../ts/train/heldout.js';

describe('held-out evaluation', () => {
  it('judges greedy answers per op, beside the majority answer, across decode batches', async () => {
    const tok = await trainDefaultTokenizer();
    const byOp = new Map<number, Problem[]>();
    for (const op of [2, 3]) byOp.set(op, await Promise.all(Array.from({ length: 6 }, (_, i) => generate({ seed: 100 * op + i, op, template: 'crazy_zootopia', mode: 'forward' }))));
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
    const h = await heldOut(model, tok, byOp, 4, 2048, 100);
    expect(h.loss).toBe(1.5);
    expect(calls).toEqual([5, 5, 2]); // 12 prompts, 5 at a time, ops mixed
    for (const op of [2, 3]) {
      const ps = byOp.get(op)!;
      expect(h.judged[op]).toBe(6);
      expect(h.accuracy[op]).toBeCloseTo(ps.filter((p) => right.has(promptText(p))).length / 6, 12);
      const counts = new Map<number, number>();
      for (const p of ps) counts.set(p.answer, (counts.get(p.answer) ?? 0) + 1);
      expect(h.majority[op]).toBeCloseTo(Math.max(...counts.values()) / 6, 12);
    }
    const short = await heldOut(model, tok, byOp, 4, 20, 100); // no prompt fits 20 tokens
    expect(short.judged).toEqual({ 2: 0, 3: 0 });
    expect(short.accuracy).toEqual({});
  });
});
