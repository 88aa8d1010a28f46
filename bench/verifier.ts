// Verifier throughput, one thread, in CPU time: solutions judged per second in the RL shape (GRPO groups of 6
// outputs against one gold, rewards only) and with full per-step verdicts, against the issue's
// target of 20,000 solutions/s; and the time to judge 1 MB inputs, against the 50 ms target.
// Outputs are generated problems' gold solutions in the model's output format, with one value of
// half of them changed, so the verifier walks both fine and failing steps.
import { generateMany, MODES, TEMPLATES } from '../ts/data/generator.js';
import { loadVerifier, REWARD_PRESETS, type GoldSolution } from '../ts/data/verifier.js';
import { emit, log } from '../ts/io/stdio.js';

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

/**
 * Milliseconds of CPU time this process has used. The bench times with it, not with the wall
 * clock: on a shared machine, time spent waiting for a core is not the verifier's.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Runs `fn` (which judges `perCall` solutions) repeatedly for ~1 s of CPU; solutions per second. */
function rate(fn: () => void, perCall: number): number {
  fn();
  let n = 0;
  const t0 = cpuMs();
  let t = t0;
  while (t - t0 < 1000) {
    fn();
    n += perCall;
    t = cpuMs();
  }
  return (n * 1000) / (t - t0);
}

/**
 * Inputs of `size` bytes (ASCII) in the shapes that stress the parser: a valid solution repeated,
 * random printable text, deep parentheses, one long clause, chains of scratch letters, the
 * fan-in below, long clause chains, many tiny steps, a long closing, long numbers. The bench times
 * them; test/unit/verifier.fuzz.test.ts checks that the verifier's work on them grows linearly.
 */
export function adversarialShapes(size: number, solution: string): Record<string, string> {
  // Whole units, padded with spaces: a unit cut in half would change how the text ends.
  const fill = (unit: string, n = size): string => unit.repeat(Math.floor(n / unit.length)).padEnd(n);
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  return {
    solutions: fill(solution.replace(/ Answer: \d+\.$/, ' ')),
    random: Array.from({ length: size }, () => String.fromCharCode(32 + Math.floor(rnd() * 95))).join(''),
    parens: `Define a as b; so b = ${'('.repeat(size - 22)}`,
    minuses: `Define a as b; so b = ${'-'.repeat(size - 23)}1`,
    'long clause': `Define a as b; so b = ${fill('a + ', size - 22)}`,
    'long chain': `Define a as b; so b = ${fill('a = ', size - 23)}1`,
    'written operands': `Define a as b; so b = a + a = ${fill('(1) + ', size - 33)}(1)`,
    'scratch chain': `Define a as b; ${fill('c = b + c; ', size - 15)}`,
    'scratch fan-in': fanIn(size),
    'define heads': fill('Define '),
    'tiny steps': fill('Define q as r; so r = 2. '),
    closing: `Define x as x; we don't know it. We know x = 1${fill(', x = 1', size - 46)}`,
    digits: fill('9'),
    'answer digits': `<answer> ${fill('1', size - 9)}`,
  };
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
  const groups = problems.map((p) => ({
    gold: p,
    outputs: Array.from({ length: GROUP }, (_, i) => modelOutput(p, i % 2 === 1)),
  }));
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
  log(
    `RL batch (rewards only):  ${batch.toFixed(0)} solutions/s  = ${(batch / TARGET_PER_S).toFixed(2)}x the ${TARGET_PER_S}/s target`,
  );
  log(
    `full verdicts:            ${detail.toFixed(0)} solutions/s  = ${(detail / TARGET_PER_S).toFixed(2)}x the target`,
  );

  const gold = groups[0].gold;
  const shapes = adversarialShapes(1 << 20, groups[groups.length - 1].gold.solution);
  const times: Record<string, number> = {};
  for (const [name, text] of Object.entries(shapes)) {
    const ms: number[] = [];
    for (let r = 0; r < 5; r++) {
      const t0 = cpuMs();
      v.verify(gold, text, cfg);
      ms.push(cpuMs() - t0);
    }
    times[name] = median(ms);
    log(`1 MB ${name.padEnd(16)} ${times[name].toFixed(1)} ms  (target < ${TARGET_1MB_MS} ms)`);
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
