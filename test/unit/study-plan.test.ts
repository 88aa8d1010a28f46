// Study plans without a GPU: expansion (keys, shared bases, what a changed field re-runs), the
// runner's skipping and resume with a stand-in executor, and the report's table and figures.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { STUDIES } from '../../harness/studies/index.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { markDone, readDone, type DoneRecord } from '../../ts/study/execute.js';
import { expandPlan, parseSet, SCALES, type Plan, type PlanNode } from '../../ts/study/plan.js';
import { buildReport, reportFigures, reportMarkdown } from '../../ts/study/report.js';
import { planStatus, runPlan, type Execute } from '../../ts/study/runner.js';
import type { Gpu } from '../../ts/gpu/device.js';
import { defaultKs } from '../../ts/eval/passk.js';
import { startPlan } from '../../harness/cli/commands/start.js';

const { edge, split } = STUDIES;
const byId = (p: Plan) => new Map(p.nodes.map((n) => [n.id, n]));

/** sha256 of JSON with keys sorted at every level, written independently of ts/util/json.ts. */
function referenceKey(n: PlanNode): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  const inputs = Object.fromEntries(Object.entries(n.inputs).map(([r, i]) => [r, i.key]));
  return createHash('sha256')
    .update(JSON.stringify(sort({ kind: n.kind, config: n.config, inputs })))
    .digest('hex');
}

describe('expandPlan', () => {
  it('keys each run by the sha256 of its configuration and its inputs, the same every time', async () => {
    const a = await expandPlan(edge, { scale: 'tiny' });
    const b = await expandPlan(edge, { scale: 'tiny' });
    expect(b.nodes.map((n) => n.key)).toEqual(a.nodes.map((n) => n.key));
    for (const n of a.nodes) {
      expect(n.key).toBe(referenceKey(n));
      expect(n.dir).toBe(`runs/${n.kind}-${n.key.slice(0, 12)}`);
    }
  });

  it('trains the shared base once and puts every input before its reader', async () => {
    const p = await expandPlan(edge, { scale: 'tiny' });
    const pre = p.nodes.filter((n) => n.kind === 'pretrain');
    expect(pre).toHaveLength(1);
    const rl = p.nodes.filter((n) => n.kind === 'rl');
    expect(rl.map((n) => n.config.ops)).toEqual([
      [7, 10],
      [9, 12],
      [11, 14],
      [17, 20],
    ]);
    for (const n of rl) expect(n.inputs.init.key).toBe(pre[0].key);
    expect(p.nodes.filter((n) => n.kind === 'eval')).toHaveLength(5);
    p.nodes.forEach((n, i) => n.deps.forEach((d) => expect(p.nodes.findIndex((m) => m.key === d)).toBeLessThan(i)));
  });

  it('changing one RL field re-keys only the RL runs and their evaluations', async () => {
    const a = byId(await expandPlan(edge, { scale: 'tiny' }));
    const b = byId(await expandPlan(edge, { scale: 'tiny', set: parseSet('rl.learning_rate=3e-5') }));
    const changed = [...a.keys()].filter((id) => a.get(id)!.key !== b.get(id)!.key);
    expect(changed.sort()).toEqual(
      ['rl-7-10', 'rl-9-12', 'rl-11-14', 'rl-17-20'].flatMap((r) => [r, `eval-${r}`]).sort(),
    );
    expect(b.get('rl-7-10')!.config.learning_rate).toBe(3e-5);
  });

  it('runs replicas with their own seeds and keeps seed 1 the same run', async () => {
    const one = await expandPlan(edge, { scale: 'tiny' });
    const two = await expandPlan(edge, { scale: 'tiny', seeds: 2 });
    expect(two.nodes).toHaveLength(2 * one.nodes.length);
    const pre = two.nodes.filter((n) => n.kind === 'pretrain');
    expect(pre.map((n) => n.config.seed)).toEqual([1, 2]);
    expect(pre[0].key).toBe(one.nodes[0].key);
    expect(pre[1].key).not.toBe(pre[0].key);
  });

  it('splits the budget by β: mid-training alone at 0, RL alone at 1', async () => {
    const p = byId(await expandPlan(split, { scale: 'tiny' }));
    expect(p.has('rl-beta-0')).toBe(false);
    expect(p.has('mid-beta-1')).toBe(false);
    expect(p.get('eval-beta-0')!.inputs.checkpoint.key).toBe(p.get('mid-beta-0')!.key);
    expect(p.get('rl-beta-1')!.inputs.init.key).toBe(p.get('base')!.key);
    // tiny: 5 RL steps or 5 x 1024 mid-training tokens in all
    expect(p.get('rl-beta-0.2')!.config.max_steps).toBe(1);
    expect(p.get('mid-beta-0.2')!.config.tokens).toBe(4096);
    expect(p.get('rl-beta-0.8')!.config.max_steps).toBe(4);
    expect(p.get('mid-beta-0.8')!.config.tokens).toBe(1024);
  });

  it.each(Object.keys(STUDIES).flatMap((s) => SCALES.map((c) => [s, c])))(
    '%s expands and validates at scale %s',
    async (s, c) => {
      const p = await expandPlan(STUDIES[s], { scale: c });
      expect(p.nodes.length).toBeGreaterThan(4);
      expect(new Set(p.nodes.map((n) => n.key)).size).toBe(p.nodes.length);
    },
  );

  it('refuses bad overrides and bad scales with a line naming the problem', async () => {
    expect(() => parseSet('learning_rate=1')).toThrow(/--set learning_rate=1: expected KIND.KEY=VALUE/);
    expect(parseSet('eval.ops=[2,3],rl.reward=strict')).toEqual({ 'eval.ops': [2, 3], 'rl.reward': 'strict' });
    await expect(expandPlan(edge, { scale: 'tiny', set: { 'midtrain.tokens': 5 } })).rejects.toThrow(
      /--set midtrain.tokens: study edge has no midtrain run/,
    );
    await expect(expandPlan(edge, { scale: 'tiny', set: { 'rl.learning_rate': -1 } })).rejects.toThrow(
      /study edge, run rl-7-10: .*learning_rate/,
    );
    await expect(expandPlan(edge, { scale: 'huge' })).rejects.toThrow(/no scale 'huge'; scales: tiny, mini, paper/);
  });
});

/** A stand-in for executeNode: marks the node done with a result made from its key, and counts. */
function fakeExecutor(ran: string[], failAt?: string): Execute {
  return async (node, env) => {
    if (node.id === failAt) throw new Error('killed');
    ran.push(node.id);
    const result =
      node.kind === 'eval'
        ? fakeEval(node.config.n as number, parseInt(node.key.slice(0, 2), 16) / 255)
        : { checkpoint: `${node.dir}/checkpoints/step-1` };
    return markDone(env.store, env.root, node, result);
  };
}

/** An evaluation's summary whose every pass@k is v (v / 2 process-verified). */
function fakeEval(n: number, v: number) {
  const ks = defaultKs(n);
  const at = (x: number) => Object.fromEntries(ks.map((k) => [String(k), x]));
  const g = {
    problems: 1,
    samples: n,
    passOutcome: at(v),
    passProcess: at(v / 2),
    rightAnswerWrongProcess: v / 2,
    truncatedRate: 0,
    skipped: 0,
  };
  return { ks, aggregates: { all: g, splits: { ID: g, 'OOD-edge': g, 'OOD-hard': g } } };
}

describe('runPlan', () => {
  const gpu = async () => ({}) as Gpu;
  const reporter = () => ({ progress: () => {}, row: () => {}, log: () => {} });

  it('runs each run once: a second run of a finished plan runs nothing', async () => {
    const store = new MemoryStore();
    const plan = await expandPlan(edge, { scale: 'tiny', set: { 'eval.n': 2 } });
    const ran: string[] = [];
    await runPlan(plan, { store, root: 's', gpu, reporter, execute: fakeExecutor(ran) });
    expect(ran).toEqual(plan.nodes.map((n) => n.id));
    const again: string[] = [];
    let asked = 0;
    const records = await runPlan(plan, {
      store,
      root: 's',
      gpu: async () => (asked++, {}) as Gpu,
      reporter,
      execute: fakeExecutor(again),
    });
    expect(again).toEqual([]);
    expect(asked).toBe(0);
    expect(records.size).toBe(plan.nodes.length);
  });

  it('resumes an interrupted plan after its last finished run', async () => {
    const store = new MemoryStore();
    const plan = await expandPlan(edge, { scale: 'tiny' });
    const first: string[] = [];
    await expect(
      runPlan(plan, { store, root: 's', gpu, reporter, execute: fakeExecutor(first, 'rl-9-12') }),
    ).rejects.toThrow('killed');
    expect(first).toEqual(['base', 'eval-base', 'rl-7-10', 'eval-rl-7-10']);
    const states = await planStatus(plan, store, 's');
    expect([...states.values()].filter((s) => s === 'done')).toHaveLength(4);
    expect(states.get(byId(plan).get('rl-9-12')!.key)).toBe('ready');
    expect(states.get(byId(plan).get('eval-rl-9-12')!.key)).toBe('waiting');
    const second: string[] = [];
    await runPlan(plan, { store, root: 's', gpu, reporter, execute: fakeExecutor(second) });
    expect(second).toEqual(plan.nodes.slice(4).map((n) => n.id));
  });

  it('after one RL field changes, runs the RL runs and their evaluations again, and nothing else', async () => {
    const store = new MemoryStore();
    await runPlan(await expandPlan(edge, { scale: 'tiny' }), {
      store,
      root: 's',
      gpu,
      reporter,
      execute: fakeExecutor([]),
    });
    const ran: string[] = [];
    const changed = await expandPlan(edge, { scale: 'tiny', set: { 'rl.max_steps': 3 } });
    await runPlan(changed, { store, root: 's', gpu, reporter, execute: fakeExecutor(ran) });
    expect(ran).toEqual([
      'rl-7-10',
      'eval-rl-7-10',
      'rl-9-12',
      'eval-rl-9-12',
      'rl-11-14',
      'eval-rl-11-14',
      'rl-17-20',
      'eval-rl-17-20',
    ]);
  });

  it('takes a done.json for another key as not done', async () => {
    const store = new MemoryStore();
    const [node] = (await expandPlan(edge, { scale: 'tiny' })).nodes;
    await markDone(store, 's', { ...node, key: 'f'.repeat(64) }, {});
    expect(await readDone(store, 's', node.dir, node.key)).toBeUndefined();
  });
});

describe('the report', () => {
  it('fills a cell for every model, group and metric, and draws the curves and the x figures', async () => {
    const store = new MemoryStore();
    const study = STUDIES.split;
    const plan = await expandPlan(study, { scale: 'tiny' });
    const records = await runPlan(plan, {
      store,
      root: 's',
      gpu: async () => ({}) as Gpu,
      reporter: () => ({ progress: () => {}, row: () => {}, log: () => {} }),
      execute: fakeExecutor([]),
    });
    const r = buildReport(study, plan, records);
    expect(r.rows.map((x) => x.row)).toEqual(['β 0', 'β 0.2', 'β 0.5', 'β 0.8', 'β 1']);
    const byRow = new Map(plan.nodes.filter((n) => n.kind === 'eval').map((n) => [n.label!.row, n.key]));
    for (const row of r.rows) {
      const v = parseInt(byRow.get(row.row)!.slice(0, 2), 16) / 255;
      expect(row.values).toEqual({
        'OOD-edge': { 'pass@1': v, 'pass@n': v },
        'OOD-hard': { 'pass@1': v, 'pass@n': v },
      });
    }
    const figures = reportFigures(r);
    expect(Object.keys(figures).sort()).toEqual(
      ['passk-ood-edge', 'passk-ood-hard', 'pass-1-ood-edge', 'pass-1-ood-hard', 'pass-4-ood-edge', 'pass-4-ood-hard']
        .map((f) => `${f}.svg`)
        .sort(),
    );
    // Five points on the β curve, one per β.
    expect(figures['pass-1-ood-edge.svg'].match(/<circle/g)).toHaveLength(5);
    const md = reportMarkdown(r, Object.keys(figures));
    expect(md).toContain('| model | OOD-edge pass@1 | OOD-edge pass@4 | OOD-hard pass@1 | OOD-hard pass@4 |');
    expect(md).toContain('+10.8%');
    const blank = md.split('\n').filter((l) => l.startsWith('| β') && /\|\s*\|/.test(l));
    expect(blank).toEqual([]);
  });

  it('refuses to report an evaluation that has not finished', async () => {
    const plan = await expandPlan(edge, { scale: 'tiny' });
    expect(() => buildReport(edge, plan, new Map<string, DoneRecord>())).toThrow(/eval-base .* has not finished/);
  });
});

describe('npm start --scale', () => {
  // The mini presets' step: batch_size 4 x seq_len 512 x grad_accum 1 tokens.
  const STEP = 4 * 512;
  const budgets = async (scale: number) => {
    const byId = new Map((await startPlan(scale)).nodes.map((n) => [n.id, n.config]));
    return { pre: byId.get('pretrain')!.tokens, mid: byId.get('midtrain')!.tokens, rl: byId.get('rl')!.max_steps };
  };

  it('scales the budgets as it says above the smallest scale', async () => {
    expect(await budgets(1)).toEqual({ pre: 460_000, mid: 120_000, rl: 20 });
    expect(await budgets(0.05)).toEqual({ pre: 23_000, mid: 6_000, rl: 4 });
  });

  it('gives every training stage one optimizer step at least, however small the scale', async () => {
    // 0.01 x mid-training's 120k tokens is 1200, under one step: the scale npm start failed at.
    expect(await budgets(0.01)).toEqual({ pre: 4_600, mid: STEP, rl: 1 });
    expect(await budgets(1e-9)).toEqual({ pre: STEP, mid: STEP, rl: 1 });
  });
});
