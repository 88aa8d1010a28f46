// Which base `npm start` begins from (chooseBase), and the plan it gets from one (startRuns): the
// committed base on a CPU adapter, pre-training on a GPU or with --from-scratch, an import keyed by
// the weights' sha256 in place of pre-training and its data check, and clear errors.
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { chooseBase, startPlan } from '../../harness/cli/commands/start.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { executeNode } from '../../ts/study/execute.js';

const tmp = mkdtempSync(join(tmpdir(), 'start-base-'));
const base = join(tmp, 'mini-base');
mkdirSync(base);
const weights = new Uint8Array([1, 2, 3, 4, 5]);
writeFileSync(join(base, 'model.safetensors'), weights);
const sha = createHash('sha256').update(weights).digest('hex');
const store = new NodeStore();

describe('chooseBase', () => {
  it('takes the committed base on a CPU adapter, none on a GPU or with --from-scratch', async () => {
    for (const adapterKind of ['lavapipe', 'swiftshader', 'cpu'])
      expect(await chooseBase(store, { fromScratch: false, adapterKind, fallback: base })).toEqual({
        source: base,
        sha256: sha,
      });
    expect(await chooseBase(store, { fromScratch: false, adapterKind: 'gpu', fallback: base })).toBeUndefined();
    expect(await chooseBase(store, { fromScratch: true, adapterKind: 'lavapipe', fallback: base })).toBeUndefined();
    // A checkout without the committed base pre-trains.
    const none = join(tmp, 'none');
    expect(await chooseBase(store, { fromScratch: false, adapterKind: 'lavapipe', fallback: none })).toBeUndefined();
  });

  it('takes --base on any adapter, and refuses a folder without weights or --base with --from-scratch', async () => {
    expect(await chooseBase(store, { base, fromScratch: false, adapterKind: 'gpu' })).toEqual({
      source: base,
      sha256: sha,
    });
    await expect(chooseBase(store, { base: tmp, fromScratch: false, adapterKind: 'gpu' })).rejects.toThrow(
      `--base ${tmp}: no model.safetensors there`,
    );
    await expect(chooseBase(store, { base, fromScratch: true, adapterKind: 'gpu' })).rejects.toThrow('not both');
  });
});

describe('startRuns from a base', () => {
  it('imports the base in place of pre-training, keyed by its weights, and drops the data check', async () => {
    const plan = async (s: string) => startPlan(0.05, { source: base, sha256: s }).catch((e: Error) => e);
    const a = await plan(sha);
    if (a instanceof Error) throw a;
    expect(a.nodes.map((n) => `${n.id} ${n.kind}`).slice(0, 2)).toEqual(['pretrain import', 'midtrain midtrain']);
    expect(a.nodes.some((n) => n.kind === 'check' || n.kind === 'pretrain')).toBe(false);
    const other = await plan('0'.repeat(64));
    if (other instanceof Error) throw other;
    // Other weights re-key the import and everything that reads it; the source path is not keyed.
    for (const id of ['pretrain', 'midtrain', 'rl', 'eval-base', 'eval-rl'])
      expect(other.nodes.find((n) => n.id === id)!.key, id).not.toBe(a.nodes.find((n) => n.id === id)!.key);
    const moved = await startPlan(0.05, { source: '/elsewhere', sha256: sha });
    expect(moved.nodes.map((n) => n.key)).toEqual(a.nodes.map((n) => n.key));
    expect(String(await plan('abc'))).toContain('model_sha256, the 64 hex digits');
  });

  it('an import copies the weights-only checkpoint, refusing other weights or a missing file', async () => {
    const mem = new MemoryStore();
    const files = { 'config.json': '{"x":1}', 'model.safetensors': weights, 'tokenizer.json': '{"t":1}' };
    for (const [f, d] of Object.entries(files)) await mem.write(`models/b/${f}`, d);
    const p = await startPlan(0.05, { source: 'models/b', sha256: sha });
    const node = p.nodes[0];
    const env = { store: mem, gpu: undefined as never, reporter: undefined as never, root: 'study' };
    const rec = await executeNode(node, env);
    expect(rec.result).toEqual({ checkpoint: 'base', source: 'models/b', modelSha256: sha });
    for (const [f, d] of Object.entries(files))
      expect(await mem.read(`study/base/${f}`)).toEqual(typeof d === 'string' ? new TextEncoder().encode(d) : d);
    await mem.write('models/b/model.safetensors', new Uint8Array([9]));
    await expect(executeNode(node, { ...env, root: 'study2' })).rejects.toThrow(/has sha256 [0-9a-f]{64}, not the/);
    await mem.remove('models/b/tokenizer.json');
    await expect(executeNode(node, { ...env, root: 'study3' })).rejects.toThrow('models/b has no tokenizer.json');
    expect(await mem.exists('study2/base/model.safetensors')).toBe(false);
  });
});
