// Verifier throughput, one thread: solutions judged per second in the RL shape (GRPO groups of 6
// outputs against one gold, rewards only) and with full per-step verdicts, against the issue's
// target of 20,000 solutions/s; and the time to judge 1 MB inputs, against the 50 ms target.
// Outputs are generated problems' gold solutions in the model's output format, with one value of
// half of them changed, so the verifier walks both fine and failing steps.
import { generateMany, MODES, TEMPLATES } from '../ts/data/generator.js';
import { loadVerifier, REWARD_PRESETS, type GoldSolution } from '../ts/data/verifier.js';
import { emit, log } from '../ts/util/jsonl.js';

const TARGET_PER_S = 20_000;
const TARGET_1MB_MS = 50;
const GROUP = 6;

function modelOutput(p: GoldSolution & { answer: number }, corrupt: boolean): string {
  let body = p.solution.slice(0, p.solution.lastIndexOf(' Answer: '));
  // Change the value that ends the first step: "so C = 2." -> "so C = 3."
  if (corrupt) body = body.replace(/= (\d+)\./, (_, n: string) => `= ${Number(n) + 1}.`);
  return `${body} </solution> <answer> ${p.answer} </answer>`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Runs `fn` (which judges `perCall` solutions) repeatedly for ~1 s; solutions per second. */
function rate(fn: () => void, perCall: number): number {
  fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < 1000) {
    fn();
    n += perCall;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

/** The worst shape known: every clause reads 20 scratch letters that each stand for 16 steps. */
export function fanIn(size: number): string {
  const nodes = 'ABCDEFGHIJKLMNOP'.split('');
  const scratch = 'ghijklmnopqrstuvwxyz'.split('');
  let text = nodes.map((l, i) => `Define n${i} as ${l}; so ${l} = 1.`).join(' ') + ' Define last as Z; ';
  text += scratch.map((s) => `${s} = ${nodes.join(' + ')}; `).join('');
  const clause = `y = ${scratch.join(' + ')}; `;
  return text + clause.repeat(Math.ceil((size - text.length) / clause.length)).slice(0, size - text.length);
}

export async function benchVerifier(): Promise<void> {
  const v = await loadVerifier();
  const problems = [];
  for (let op = 2; op <= 10; op++)
    for (const template of TEMPLATES)
      for (const mode of MODES) problems.push(...(await generateMany({ seed: 1, op, template, mode, count: 12 })));
  const groups = problems.map((p) => ({ gold: p, outputs: Array.from({ length: GROUP }, (_, i) => modelOutput(p, i % 2 === 1)) }));
  const solutions = groups.length * GROUP;
  const cfg = REWARD_PRESETS.process80;

  const runs = { batch: [] as number[], detail: [] as number[] };
  for (let r = 0; r < 3; r++) {
    runs.batch.push(rate(() => groups.forEach((g) => v.scoreBatch(g.gold, g.outputs, cfg)), solutions));
    runs.detail.push(rate(() => groups.forEach((g) => g.outputs.forEach((o) => v.verify(g.gold, o, cfg))), solutions));
  }
  const batch = median(runs.batch);
  const detail = median(runs.detail);
  log(`problems: op 2-10, all templates, both modes; ${groups.length} golds x ${GROUP} outputs`);
  log(`RL batch (rewards only):  ${batch.toFixed(0)} solutions/s  = ${(batch / TARGET_PER_S).toFixed(2)}x the ${TARGET_PER_S}/s target`);
  log(`full verdicts:            ${detail.toFixed(0)} solutions/s  = ${(detail / TARGET_PER_S).toFixed(2)}x the target`);

  // 1 MB inputs: a valid solution repeated, random printable text, deep parentheses, one clause.
  const gold = groups[0].gold;
  const MB = 1 << 20;
  const fill = (unit: string): string => unit.repeat(Math.ceil(MB / unit.length)).slice(0, MB);
  let seed = 12345;
  const rnd = (): number => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  const shapes: Record<string, string> = {
    solutions: fill(groups[groups.length - 1].gold.solution.replace(/ Answer: \d+\.$/, ' ')),
    random: Array.from({ length: MB }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(''),
    parens: `Define a as b; so b = ${'('.repeat(MB / 2 - 40)}`,
    'long clause': `Define a as b; so b = ${fill('a + ')}`,
    'scratch chain': `Define a as b; ${fill('c = b + c; ')}`,
    'scratch fan-in': fanIn(MB),
  };
  const times: Record<string, number> = {};
  for (const [name, text] of Object.entries(shapes)) {
    const ms: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      v.verify(gold, text, cfg);
      ms.push(performance.now() - t0);
    }
    times[name] = median(ms);
    log(`1 MB ${name.padEnd(14)} ${times[name].toFixed(1)} ms  (target < ${TARGET_1MB_MS} ms)`);
  }
  emit({
    bench: 'verifier',
    solutionsPerSecond: Math.round(batch),
    detailedPerSecond: Math.round(detail),
    targetPerSecond: TARGET_PER_S,
    ratioToTarget: +(batch / TARGET_PER_S).toFixed(2),
    oneMegabyteMs: Object.fromEntries(Object.entries(times).map(([k, t]) => [k, +t.toFixed(1)])),
  });
}
