// Protocol fingerprints without a GPU: the protocol file loads (and is what the references ran), and
// `repro compare` names exactly what was changed in a copy of the lavapipe reference: a loss one ULP
// off, one tensor's hash, one sampled id, one evaluation count; provenance alone is no difference.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareProtocolRuns, protocolReport } from '../../ts/repro/compare-protocol.js';
import {
  bitsFloat,
  floatBits,
  loadProtocol,
  type ProtocolFingerprint,
  type StepRecord,
} from '../../ts/repro/protocol.js';

const ROOT = resolve(import.meta.dirname, '../..');
const PROTOCOL = join(ROOT, 'harness/repro/protocols/tiny.json');
const REFERENCE = join(ROOT, 'harness/repro/fingerprints/tiny-lavapipe.json');
const reference = (): ProtocolFingerprint => JSON.parse(readFileSync(REFERENCE, 'utf8'));

/** The step record of `stage` step `step` (a training step) in `f`. */
const trainStep = (f: ProtocolFingerprint, stage: string, step: number): StepRecord =>
  f.steps.find((s) => s.stage === stage && s.step === step && s.kind === 'train')!;

/** The hex of the float64 one ULP above (away from zero) the one `hex` holds. */
const nextUlp = (hex: string) => (BigInt(`0x${hex}`) + 1n).toString(16).padStart(16, '0');

describe('the protocol file', () => {
  it('loads, and is the protocol the reference fingerprints ran (else: npm run repro:references)', async () => {
    const p = await loadProtocol(readFileSync(PROTOCOL, 'utf8'), PROTOCOL);
    expect(p.stages.pretrain.model).toBe('tiny');
    expect(p.stages.rl.max_steps).toBeGreaterThan(0);
    for (const adapter of ['lavapipe', 'swiftshader']) {
      const f = JSON.parse(readFileSync(join(ROOT, `harness/repro/fingerprints/tiny-${adapter}.json`), 'utf8'));
      expect(f.protocol.sha256, `${adapter}: regenerate with \`npm run repro:references\``).toBe(p.sha256);
    }
  });

  it('refuses a file that is not a protocol, or bad fields, with one line naming them', async () => {
    const text = readFileSync(PROTOCOL, 'utf8');
    await expect(loadProtocol('{"format": "x"}', 'p.json')).rejects.toThrow(/^p.json is not a protocol/);
    const bad = { ...JSON.parse(text), rl: { ...JSON.parse(text).rl, init: 'x' }, fingerprint: { tensors: [] } };
    await expect(loadProtocol(JSON.stringify(bad), 'p.json')).rejects.toThrow(
      /^p.json: bad or missing fingerprint.values .*fingerprint.ids .*rl.init/,
    );
    const badTensor = { ...JSON.parse(text), fingerprint: { ...JSON.parse(text).fingerprint, tensors: ['lm_head'] } };
    await expect(loadProtocol(JSON.stringify(badTensor), 'p.json')).rejects.toThrow(
      /^p.json: fingerprint.tensors names lm_head, which the tiny model has not/,
    );
    const badStage = { ...JSON.parse(text), eval: { ...JSON.parse(text).eval, n: 0 } };
    await expect(loadProtocol(JSON.stringify(badStage), 'p.json')).rejects.toThrow(/^p.json: eval: .*n/);
  });

  it('keeps float bits exactly, NaN and infinities included', () => {
    for (const x of [0, -0, 1, Math.fround(0.1), 6.982807175122171, NaN, Infinity, -Infinity, 5e-324])
      expect(Object.is(bitsFloat(floatBits(x)), x)).toBe(true);
    expect(floatBits(1)).toBe('3ff0000000000000');
  });
});

describe('comparing protocol fingerprints', () => {
  it('finds a run identical to itself; provenance (commit, time) is not a difference, but is reported', () => {
    const a = reference();
    const b = { ...reference(), created: 'later', engine: { ...a.engine, commit: 'another' } };
    const c = compareProtocolRuns(a, b);
    expect(c).toMatchObject({ identical: true, differing: 0, firstDivergence: null, firstTensor: null });
    expect(c.engineDiffers).toEqual(['commit']);
    expect(c.adapterDiffers).toEqual([]);
    expect(c.evalAgrees).toBe(true);
    expect(c.events).toBe(a.steps.length + a.checkpoints.length + a.samples.length + a.eval.length);
    expect(protocolReport(c)).toMatch(/\*\*Identical\*\*: all \d+ events/);
  });

  it('names the adapter fields that differ, not those one side leaves blank (a browser: name, description)', () => {
    const a = reference();
    const blank = { ...a.adapter, name: '', description: '', device: '' };
    expect(compareProtocolRuns(a, { ...a, adapter: blank }).adapterDiffers).toEqual([]);
    const other = { ...blank, vendor: 'another', subgroupMinSize: 32 };
    const c = compareProtocolRuns(a, { ...a, adapter: other });
    expect(c.adapterDiffers).toEqual(['subgroupMinSize', 'vendor']);
    expect(protocolReport(c)).toContain('- adapter: differs (subgroupMinSize, vendor)');
  });

  it('calls runs of two protocols not comparable, never identical', () => {
    const a = reference();
    const c = compareProtocolRuns(a, { ...a, protocol: { ...a.protocol, sha256: '0'.repeat(64) } });
    expect(c.identical).toBe(false);
    expect(protocolReport(c)).toContain('**Not comparable**: the two ran different protocols.');
  });

  it('a loss one ULP off names exactly that step and metric, and nothing else', () => {
    const b = reference();
    const s = trainStep(b, 'pretrain', 4);
    s.bits.loss = nextUlp(s.bits.loss);
    const c = compareProtocolRuns(reference(), b, ['ref', 'off']);
    expect(c.identical).toBe(false);
    expect(c.differing).toBe(1);
    expect(c.firstDivergence).toEqual({ stage: 'pretrain', step: 4, what: 'train', detail: ['loss'] });
    expect(c.firstTensor).toBeNull();
    expect(c.metricDrift).toHaveLength(1);
    expect(c.metricDrift[0]).toMatchObject({ stage: 'pretrain', step: 4, metric: 'loss' });
    expect(c.metricDrift[0].relative).toBeLessThan(1e-15);
    expect(protocolReport(c)).toContain('First divergence: **pretrain step 4, train**: loss');
  });

  it('a changed tensor hash names that tensor, at that checkpoint, and which state differs', () => {
    const b = reference();
    const ckpt = b.checkpoints.find((x) => x.stage === 'rl' && x.step === 1)!;
    const t = ckpt.tensors.find((x) => x.name === 'model.layers.1.mlp.up_proj.weight')!;
    t.m = '0'.repeat(64);
    const c = compareProtocolRuns(reference(), b);
    expect(c.differing).toBe(1);
    expect(c.firstTensor).toEqual({ stage: 'rl', step: 1, tensors: ['model.layers.1.mlp.up_proj.weight (m)'] });
    expect(c.firstDivergence).toMatchObject({ stage: 'rl', step: 1, what: 'checkpoint' });
    expect(protocolReport(c)).toContain('First diverging tensor: **model.layers.1.mlp.up_proj.weight (m)**');
  });

  it('the first divergence is the earliest in protocol order, not in the order the file records events', () => {
    const b = reference();
    b.checkpoints.at(-1)!.tensors[0].params = '0'.repeat(64); // rl, last step
    const s = trainStep(b, 'rl', 2);
    s.bits.kl = nextUlp(s.bits.kl);
    const call = b.samples.find((x) => x.stage === 'rl' && x.step === 1)!; // sampled before step 1's update
    call.sha256 = '0'.repeat(64);
    call.ids![0][0] += 1;
    const c = compareProtocolRuns(reference(), b);
    expect(c.differing).toBe(3);
    expect(c.firstDivergence).toMatchObject({ stage: 'rl', step: 1, what: 'samples' });
    expect(c.firstTensor).toEqual({
      stage: 'rl',
      step: b.checkpoints.at(-1)!.step,
      tensors: ['model.embed_tokens.weight (params)'],
    });
  });

  it('a changed sampled id names the sampler call, sequence and token', () => {
    const b = reference();
    const call = b.samples.find((x) => x.stage === 'eval')!;
    call.ids![3][5] += 1;
    call.sha256 = '0'.repeat(64);
    const c = compareProtocolRuns(reference(), b);
    expect(c.firstDivergence).toEqual({
      stage: 'eval',
      step: 1,
      what: 'samples',
      detail: [`sequence 3 token 5: ${call.ids![3][5] - 1} vs ${call.ids![3][5]}`],
    });
    expect(c.evalAgrees).toBe(true);
  });

  it('a changed evaluation count says the evaluations disagree', () => {
    const b = reference();
    b.eval[1].correct += 1;
    const c = compareProtocolRuns(reference(), b);
    expect(c.evalAgrees).toBe(false);
    expect(c.firstDivergence).toMatchObject({ stage: 'eval', what: 'eval' });
    expect(protocolReport(c)).toContain('**the counts differ**');
  });

  it('measures the chosen tensors checkpoint by checkpoint: 1 ULP where one value moved by 1 ULP', () => {
    const b = reference();
    const values = b.checkpoints[1].values['model.layers.0.self_attn.q_proj.weight'];
    const f = new Float32Array([values[7]!]);
    new Uint32Array(f.buffer)[0] += 1;
    values[7] = f[0];
    const c = compareProtocolRuns(reference(), b);
    const moved = c.drift.filter((d) => d.maxUlp > 0);
    expect(moved).toEqual([expect.objectContaining({ tensor: 'model.layers.0.self_attn.q_proj.weight', maxUlp: 1 })]);
    expect(moved[0]).toMatchObject({ stage: b.checkpoints[1].stage, step: b.checkpoints[1].step });
  });

  it('another protocol is never identical', () => {
    const b = reference();
    b.protocol = { ...b.protocol, sha256: '0'.repeat(64) };
    const c = compareProtocolRuns(reference(), b);
    expect(c).toMatchObject({ identical: false, protocolDiffers: true, differing: 0 });
  });
});

describe('the CLI: repro compare, repro run', () => {
  const cli = (...args: string[]) =>
    execFileSync(process.execPath, [join(ROOT, 'dist/node/cli.js'), 'repro', 'compare', ...args], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });

  it('compares each file with the first, writing the markdown and the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-protocol-'));
    const off = reference();
    const s = trainStep(off, 'pretrain', 2);
    s.bits.grad_norm = nextUlp(s.bits.grad_norm);
    writeFileSync(join(dir, 'off.json'), JSON.stringify(off));
    const out = cli(REFERENCE, REFERENCE, join(dir, 'off.json'), '--out', join(dir, 'r.md'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(out).toEqual([
      expect.objectContaining({ against: REFERENCE, identical: true, firstDivergence: null }),
      expect.objectContaining({
        against: join(dir, 'off.json'),
        identical: false,
        firstDivergence: { stage: 'pretrain', step: 2, what: 'train' },
        firstTensor: null,
      }),
    ]);
    const json = JSON.parse(readFileSync(join(dir, 'r.json'), 'utf8'));
    expect(json.map((c: { identical: boolean }) => c.identical)).toEqual([true, false]);
    expect(readFileSync(join(dir, 'r.md'), 'utf8')).toContain(
      'First divergence: **pretrain step 2, train**: grad_norm',
    );
  });

  it('refuses to compare a protocol fingerprint with a kernel fingerprint, or a file that is neither', () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-protocol-'));
    writeFileSync(join(dir, 'k.json'), JSON.stringify({ format: 'reasoning-engine-kernels/1', kernels: [] }));
    writeFileSync(join(dir, 'x.json'), JSON.stringify({ format: 'other' }));
    expect(() => cli(REFERENCE, join(dir, 'k.json'))).toThrow(/a protocol fingerprint and .* a kernels one/);
    expect(() => cli(REFERENCE, join(dir, 'x.json'))).toThrow(/x.json is not a fingerprint/);
  });

  it('repro run refuses an unknown protocol name, naming those there are, before opening a GPU', () => {
    const run = (name: string) =>
      execFileSync(
        process.execPath,
        [join(ROOT, 'dist/node/cli.js'), 'repro', 'run', '--protocol', name, '--out', join(tmpdir(), 'x.json')],
        {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
    expect(() => run('nosuch')).toThrow(/no protocol 'nosuch' in .*harness\/repro\/protocols; protocols: .*tiny/);
  });
});
