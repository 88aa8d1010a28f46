// Generator bench, one thread: problems per second generated and rendered (through the TS API, so
// decoding into Problem objects is included) for a uniform op 2-10 mix over the three templates,
// forward and reverse, in batches as `data build` asks for them and one problem per call. The
// 20,000/s requirement is the target; the Python reference generator's rates on these machines
// (230/s forward, 35/s reverse, test/fixtures/gsm_infinite_sample.README.md) are quoted, not re-measured here.
import { generate, generateMany, TEMPLATES, type Mode } from '../ts/data/generator.js';

const TARGET = 20_000;
const PYTHON_REFERENCE: Record<Mode, number> = { forward: 230, reverse: 35 };
const REPS = 5;
const BATCH = 500;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** Median problems/s over REPS runs of one uniform op 2-10 sweep over all templates. */
async function rate(mode: Mode, perCall: number): Promise<number> {
  const rates: number[] = [];
  for (let r = 0; r < REPS; r++) {
    let n = 0;
    const t0 = performance.now();
    for (let op = 2; op <= 10; op++)
      for (const template of TEMPLATES)
        for (let start = 0; start < BATCH; start += perCall) {
          const o = { seed: 100 + r, op, template, mode };
          if (perCall === 1) await generate({ ...o, seed: o.seed * 1_000_003 + start });
          else await generateMany({ ...o, start, count: perCall });
          n += perCall;
        }
    rates.push(n / ((performance.now() - t0) / 1000));
  }
  return median(rates);
}

export async function benchGenerator(): Promise<void> {
  await rate('forward', BATCH); // warm-up: instantiate the engine, JIT
  const row: Record<string, number> = {};
  for (const mode of ['forward', 'reverse'] as const) {
    const batch = await rate(mode, BATCH);
    const single = await rate(mode, 1);
    row[`${mode}PerSecond`] = Math.round(batch);
    row[`${mode}PerSecondOneCall`] = Math.round(single);
    process.stderr.write(
      `${mode.padEnd(8)} ${Math.round(batch).toString().padStart(8)} problems/s (batches of ${BATCH}), ` +
        `${Math.round(single).toString().padStart(7)}/s one per call; ` +
        `${(batch / TARGET).toFixed(2)}x the ${TARGET}/s target, ${(batch / PYTHON_REFERENCE[mode]).toFixed(0)}x the Python reference (${PYTHON_REFERENCE[mode]}/s)\n`,
    );
  }
  process.stdout.write(
    JSON.stringify({ section: 'generator', ...row, ratioToTarget: +(row.forwardPerSecond / TARGET).toFixed(2) }) + '\n',
  );
}
