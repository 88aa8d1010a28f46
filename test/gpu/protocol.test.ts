// The tiny protocol (harness/repro/protocols/tiny.json) through `repro run`, once on lavapipe and once
// on SwiftShader, each in its own process (one adapter per process, docs/reproducibility.md): every
// stage leaves its trace in the fingerprint, each adapter reproduces its committed reference bit for
// bit, and the two adapters train, sample and evaluate the same bytes.
// Runs both adapters itself, so the gpu-swiftshader project leaves it out (vitest.config.ts).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { preset } from '../../ts/model/config.js';
import { paramLayout } from '../../ts/model/params.js';
import { compareProtocolRuns, protocolReport } from '../../ts/repro/compare-protocol.js';
import { loadProtocol, reproducible, type ProtocolFingerprint } from '../../ts/repro/protocol.js';
import { sha256Hex } from '../../ts/util/hash.js';

const ROOT = resolve(import.meta.dirname, '../..');
const ADAPTERS = ['lavapipe', 'swiftshader'] as const;
const REGENERATE = 'npm run repro:references';

function runCli(adapter: string, out: string): void {
  execFileSync(process.execPath, [join(ROOT, 'dist/node/cli.js'), 'repro', 'run', '--adapter', adapter, '--out', out], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

const readJson = (path: string): ProtocolFingerprint => JSON.parse(readFileSync(path, 'utf8'));

/** Where two fingerprints part, in a line or two, for a failure message. */
function whereTheyPart(a: ProtocolFingerprint, b: ProtocolFingerprint, labels: [string, string]): string {
  const report = protocolReport(compareProtocolRuns(a, b, labels));
  return report
    .split('\n')
    .filter((l) => /^(\*\*Not identical|First div|- protocol|- engine)/.test(l))
    .join('\n');
}

describe('the tiny protocol on lavapipe and on SwiftShader', () => {
  const runs: Record<string, ProtocolFingerprint> = {};
  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'protocol-'));
    for (const a of ADAPTERS) {
      runCli(a, join(dir, `${a}.json`));
      runs[a] = readJson(join(dir, `${a}.json`));
    }
  });

  it('records every stage: the steps, each checkpoint with every tensor, the sampler calls, the evaluation', async () => {
    const text = readFileSync(join(ROOT, 'harness/repro/protocols/tiny.json'), 'utf8');
    const p = await loadProtocol(text, 'tiny.json');
    const f = runs.lavapipe;
    expect(f.protocol).toEqual({ name: 'tiny', version: p.version, sha256: await sha256Hex(text) });
    expect(f.adapter).toMatchObject({ kind: 'lavapipe', subgroupMinSize: 8 });
    expect(runs.swiftshader.adapter).toMatchObject({ kind: 'swiftshader', subgroupMinSize: 4 });
    const pre = p.stages.pretrain;
    const preSteps = pre.tokens / (pre.batch_size * pre.seq_len * pre.grad_accum);
    const at = (stage: string, kind: string) => f.steps.filter((s) => s.stage === stage && s.kind === kind);
    expect(at('pretrain', 'train').map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6].slice(0, preSteps));
    expect(at('pretrain', 'heldout').map((s) => s.step)).toEqual([preSteps]);
    expect(at('rl', 'train').map((s) => s.step)).toEqual([1, 2]);
    for (const s of f.steps) expect(Object.keys(s.bits).length, `${s.stage} ${s.step}`).toBeGreaterThan(0);
    expect(at('rl', 'train')[1].values.kl).toBeGreaterThan(0); // the update moved the policy off its reference
    expect(f.checkpoints.map((c) => `${c.stage} ${c.step}`)).toEqual(['pretrain 3', 'pretrain 6', 'rl 1', 'rl 2']);
    const names = paramLayout(preset('tiny', 64)).slots.map((s) => s.name); // names do not depend on the vocabulary
    for (const c of f.checkpoints) {
      expect(c.tensors.map((t) => t.name)).toEqual(names);
      expect(Object.keys(c.values)).toEqual(p.fingerprint.tensors);
      for (const v of Object.values(c.values)) expect(v).toHaveLength(p.fingerprint.values);
    }
    // Sampler calls: RL's in each step (prompts_per_step x num_generations sequences), then evaluation's.
    const rl = p.stages.rl;
    const ev = p.stages.eval;
    expect(f.samples.map((s) => `${s.stage} ${s.step} ${s.sequences}`)).toEqual([
      `rl 1 ${rl.prompts_per_step * rl.num_generations}`,
      `rl 2 ${rl.prompts_per_step * rl.num_generations}`,
      `eval 1 ${ev.ops.length * ev.per_op * ev.n}`,
    ]);
    for (const s of f.samples) {
      expect(s.ids!.flat()).toHaveLength(s.tokens);
      const cap = s.stage === 'rl' ? rl.max_completion_length : ev.max_new_tokens;
      for (const seq of s.ids!) expect(seq.length).toBeLessThanOrEqual(cap);
    }
    expect(f.eval.map((e) => [e.op, e.problems, e.samples])).toEqual(
      ev.ops.map((op) => [op, ev.per_op, ev.per_op * ev.n]),
    );
  });

  for (const a of ADAPTERS)
    it(`${a} reproduces its reference fingerprint bit for bit (a shader change: ${REGENERATE})`, () => {
      const path = join(ROOT, `harness/repro/fingerprints/tiny-${a}.json`);
      const ref = readJson(path);
      const where = whereTheyPart(ref, runs[a], ['reference', 'this run']);
      expect(reproducible(runs[a]), `${path} is stale?\n${where}\nregenerate with \`${REGENERATE}\``).toEqual(
        reproducible(ref),
      );
    });

  // Issue 13's goal: the whole protocol (training, sampling, evaluation) bit-identical across adapters.
  it('lavapipe and SwiftShader produce the same bits over the whole protocol', () => {
    const c = compareProtocolRuns(runs.lavapipe, runs.swiftshader, ['lavapipe', 'swiftshader']);
    const where = whereTheyPart(runs.lavapipe, runs.swiftshader, ['lavapipe', 'swiftshader']);
    expect(c.adapterDiffers).toEqual(expect.arrayContaining(['kind', 'subgroupMinSize', 'vendor']));
    expect(c.firstDivergence, where).toBeNull();
    expect(c.identical, where).toBe(true);
    expect(c.events).toBe(
      runs.lavapipe.steps.length +
        runs.lavapipe.checkpoints.length +
        runs.lavapipe.samples.length +
        runs.lavapipe.eval.length,
    );
    expect(reproducible(runs.swiftshader)).toEqual(reproducible(runs.lavapipe));
  });
});
