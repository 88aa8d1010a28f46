// The engine's identity: what it hashes, and that run directories and checkpoints carry it while an
// old checkpoint (written before it was recorded) still loads.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint, type TrainerState } from '../../ts/ckpt/checkpoint.js';
import { preset } from '../../ts/model/config.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import type { Gpu } from '../../ts/gpu/index.js';
import type { StageContext } from '../../ts/stage/loop.js';
import { PROVENANCE_LOG, withRunDir } from '../../ts/stage/rundir.js';
import { MemoryStore } from '../../ts/store/memory.js';
import { readText } from '../../ts/store/store.js';
import { sha256Hex } from '../../ts/util/hash.js';
import { engineIdentity, SHADERS, type AdapterDescription } from '../../ts/util/provenance.js';

const ROOT = resolve(import.meta.dirname, '../..');
const config = preset('tiny', 101);
const layout = paramLayout(config);
const adapter: AdapterDescription = {
  name: 'test adapter',
  kind: 'cpu',
  vendor: 'v',
  architecture: 'a',
  device: 'd',
  description: 'desc',
  subgroupMinSize: 4,
  subgroupMaxSize: 8,
};
const state: TrainerState = { step: 3, tokensSeen: 30, dataCursor: null, rng: { seed: 1 }, runConfig: {} };
const content = () => {
  const params = initParams(config, layout, 1);
  return { config, layout, params, m: params.map(() => 0), v: params.map(() => 0), tokenizerJson: '{}', state };
};

describe('engine identity', () => {
  it('lists every shader and hashes the shader sources and engine.wasm from the files', async () => {
    const files = readdirSync(join(ROOT, 'shaders')).filter((f) => f.endsWith('.wgsl'));
    expect(Object.keys(SHADERS).sort()).toEqual(files.sort());
    const text = files
      .sort()
      .map((f) => `${f}\0${readFileSync(join(ROOT, 'shaders', f), 'utf8')}\0`)
      .join('');
    const id = await engineIdentity();
    expect(id.shadersSha256).toBe(await sha256Hex(text));
    expect(id.wasmSha256).toBe(await sha256Hex(readFileSync(join(ROOT, 'build/engine.wasm'))));
    expect(id.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(id.commit).toMatch(/^[0-9a-f]{40}(-dirty)?$/);
  });
});

describe('provenance in run directories and checkpoints', () => {
  const ctx = (store: MemoryStore): StageContext => ({
    gpu: { adapterInfo: adapter, kernels: {} } as unknown as Gpu,
    store,
    reporter: { progress: () => {}, row: () => {}, note: () => {} } as unknown as StageContext['reporter'],
    out: 'run',
  });

  it('logs each (re)start and writes the identity into trainer_state.json', async () => {
    const store = new MemoryStore();
    const engine = await engineIdentity();
    await withRunDir(ctx(store), 'run.json', { lr: 1 }, async (dir) => {
      expect(dir.resumed).toBeUndefined();
      await dir.save(content());
    });
    // The resumed run is not refused for the file the first start wrote, and logs its own line.
    await withRunDir(ctx(store), 'run.json', { lr: 1 }, async (dir) => {
      expect(dir.resumed?.state?.engine).toEqual(engine);
      expect(dir.resumed?.state?.adapter).toEqual(adapter);
    });
    const sidecar = JSON.parse((await readText(store, 'run/checkpoints/step-00000003/trainer_state.json'))!);
    expect(sidecar.engine).toEqual(engine);
    expect(sidecar.adapter).toEqual(adapter);
    const starts = (await readText(store, `run/${PROVENANCE_LOG}`))!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(starts.map((s) => s.fromStep)).toEqual([0, 3]);
    const configSha256 = await sha256Hex((await readText(store, 'run/run.json'))!);
    for (const s of starts) expect(s).toMatchObject({ engine, adapter, configSha256 });
  });

  it('logs the kernel variants chosen for the device, at start (when known) and when chosen', async () => {
    const store = new MemoryStore();
    const c = ctx(store);
    await withRunDir(c, 'run.json', { lr: 1 }, async (dir) => {
      c.gpu.kernels.matmul = 'tiled64';
      await dir.recordKernels({ matmul: { variant: 'tiled64', how: 'forced' } });
    });
    await withRunDir(c, 'run.json', { lr: 1 }, async () => {});
    const lines = (await readText(store, `run/${PROVENANCE_LOG}`))!
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines[0].kernels).toBeUndefined();
    expect(lines[1]).toMatchObject({ kernels: { matmul: 'tiled64' }, matmul: { variant: 'tiled64', how: 'forced' } });
    expect(lines[2]).toMatchObject({ engine: await engineIdentity(), kernels: { matmul: 'tiled64' } });
  });

  it('loads a checkpoint written before the identity was recorded', async () => {
    const store = new MemoryStore();
    const dir = await saveCheckpoint(store, 'old', content());
    expect(await readText(store, `${dir}/trainer_state.json`)).not.toContain('"engine"');
    const ck = await loadCheckpoint(store, dir, paramLayout);
    expect(ck.state?.step).toBe(3);
    expect(ck.state?.engine).toBeUndefined();
  });
});
