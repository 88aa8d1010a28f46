import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { preset, validateConfig } from '../../ts/model/config.js';
import { initParams, paramLayout } from '../../ts/model/params.js';
import { encodeSafetensors } from '../../ts/ckpt/safetensors.js';
import { packParams, unpackParams } from '../../ts/ckpt/weights.js';
import {
  latestCheckpoint,
  loadCheckpoint,
  saveCheckpoint,
  stepDirName,
  type TrainerState,
} from '../../ts/ckpt/checkpoint.js';
import { randomArray, rng, testSeed } from '../util/random.js';
import { NodeStore } from '../../ts/io/node-store.js';

const store = new NodeStore();

const rand = rng(testSeed());
const config = preset('tiny', 101);
const layout = paramLayout(config);

async function save(root: string, step: number) {
  const params = initParams(config, layout, step);
  // Optimizer state is zero in the layout's alignment gaps, as the optimizer keeps it.
  const gapless = (x: Float32Array) => packParams(layout, unpackParams(layout, x));
  const m = gapless(randomArray(layout.total, rand)),
    v = gapless(randomArray(layout.total, rand, 0, 1));
  const state: TrainerState = {
    step,
    tokensSeen: step * 100,
    dataCursor: { shard: 0, offset: step },
    rng: { seed: 7 },
    runConfig: { lr: 1e-3 },
  };
  const dir = await saveCheckpoint(store, root, { config, layout, params, m, v, tokenizerJson: '{"model":{}}', state });
  return { dir, params, m, v, state };
}

/** `sidecar` with the checksum the writer adds (the sha256 of the rest), as JSON. */
function sealed(sidecar: Record<string, unknown>): string {
  const { checksum: _c, ...rest } = sidecar;
  return JSON.stringify({ ...rest, checksum: createHash('sha256').update(JSON.stringify(rest)).digest('hex') });
}

describe('model config', () => {
  it('presets validate and the paper preset has ~100M parameters', async () => {
    const paper = paramLayout(preset('paper', 2201));
    expect(paper.count).toBeGreaterThan(90e6);
    expect(paper.count).toBeLessThan(110e6);
    for (const s of paper.slots) expect(s.offset % 64).toBe(0);
  });
  it('names every bad field', async () => {
    expect(() => validateConfig({ ...config, hidden_size: 30 })).toThrow(
      /hidden_size 30 must be divisible by num_attention_heads 4/,
    );
    expect(() => validateConfig({ ...config, num_key_value_heads: 3 })).toThrow(/multiple of num_key_value_heads 3/);
    expect(() => validateConfig({ ...config, vocab_size: 0, rope_theta: 'x' })).toThrow(
      /vocab_size must be a positive integer.*rope_theta must be a positive number/,
    );
    expect(() => validateConfig({ ...config, tie_word_embeddings: false })).toThrow(/tie_word_embeddings must be true/);
    expect(() => validateConfig([])).toThrow(/JSON object/);
  });
  it('initialises like Qwen2: N(0, 0.02) matrices, zero biases, unit norms; deterministic', async () => {
    const p = initParams(config, layout, 3);
    expect(Array.from(p)).toEqual(Array.from(initParams(config, layout, 3)));
    const e = layout.byName.get('model.embed_tokens.weight')!;
    const w = p.subarray(e.offset, e.offset + e.size);
    const mean = w.reduce((a, b) => a + b, 0) / w.length;
    const sd = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
    expect(Math.abs(mean)).toBeLessThan(0.003);
    expect(sd).toBeGreaterThan(0.018);
    expect(sd).toBeLessThan(0.022);
    const bias = layout.byName.get('model.layers.0.self_attn.q_proj.bias')!;
    expect(p.subarray(bias.offset, bias.offset + bias.size).every((x) => x === 0)).toBe(true);
    const norm = layout.byName.get('model.norm.weight')!;
    expect(p.subarray(norm.offset, norm.offset + norm.size).every((x) => x === 1)).toBe(true);
  });
});

describe('checkpoints', () => {
  it('round-trip params, optimizer state, trainer state; latest points at the newest', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    await save(root, 5);
    const b = await save(root, 10);
    expect(await latestCheckpoint(store, root)).toBe(join(root, stepDirName(10)));
    const c = await loadCheckpoint(store, (await latestCheckpoint(store, root))!, paramLayout);
    expect(Array.from(c.params)).toEqual(Array.from(b.params));
    expect(Array.from(c.m!)).toEqual(Array.from(b.m));
    expect(Array.from(c.v!)).toEqual(Array.from(b.v));
    expect(c.state).toEqual(b.state);
    expect(c.config).toEqual(config);
    expect(existsSync(join(b.dir, 'config.json')) && existsSync(join(b.dir, 'tokenizer.json'))).toBe(true);
  });
  it('refuses a corrupted or truncated file with a clear message', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const { dir } = await save(root, 1);
    const f = join(dir, 'model.safetensors');
    const bytes = readFileSync(f);
    bytes[bytes.length - 7] ^= 0x55;
    writeFileSync(f, bytes);
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(/model\.safetensors is corrupt \(sha256/);
    writeFileSync(f, bytes.subarray(0, bytes.length - 100));
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(/corrupt/);
    writeFileSync(join(dir, 'trainer_state.json'), '{"format": "reasoning-engine-checkpoint/1", "files": {}');
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(/trainer_state\.json is not valid JSON/);
  });
  it('refuses a file the sidecar does not list, a listed file that is missing, and a tampered one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const { dir } = await save(root, 2);
    const sidecarPath = join(dir, 'trainer_state.json');
    const sidecar = readFileSync(sidecarPath, 'utf8');
    const files = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json'];
    expect(Object.keys(JSON.parse(sidecar).files).sort()).toEqual(files);
    // A sidecar that lists other files, sealed with its checksum as the writer seals it.
    const withFiles = (f?: Record<string, string>) =>
      writeFileSync(sidecarPath, sealed({ ...JSON.parse(sidecar), files: f }));
    for (const file of files) {
      // Unlisted, and changed too: it could not be checked, so the load refuses it.
      const path = join(dir, file);
      const good = readFileSync(path);
      writeFileSync(path, Buffer.concat([good, Buffer.from(' ')]));
      const { [file]: _dropped, ...rest } = JSON.parse(sidecar).files;
      withFiles(rest);
      const unchecked = `trainer_state.json records no sha256 for ${file}, so it cannot be checked`;
      await expect(loadCheckpoint(store, dir, paramLayout), file).rejects.toThrow(unchecked);
      // Listed and changed: corrupt.
      writeFileSync(sidecarPath, sidecar);
      const corrupt = `checkpoint file ${path} is corrupt (sha256 differs from trainer_state.json)`;
      await expect(loadCheckpoint(store, dir, paramLayout), file).rejects.toThrow(corrupt);
      // Listed and missing.
      rmSync(path);
      const missing = `checkpoint ${dir} has no ${file} (trainer_state.json lists it)`;
      await expect(loadCheckpoint(store, dir, paramLayout), file).rejects.toThrow(missing);
      writeFileSync(path, good);
    }
    expect((await loadCheckpoint(store, dir, paramLayout)).state!.step).toBe(2);
    withFiles(undefined);
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(
      'trainer_state.json has no list of files and their sha256',
    );
    // A lost sidecar would drop the optimizer state and restart the step count: refused too.
    rmSync(sidecarPath);
    const lost = `checkpoint ${dir} has optimizer.safetensors but no trainer_state.json`;
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(lost);
  });
  it('refuses a trainer_state.json whose content was changed (step, data cursor), and loads a format-1 one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    const { dir } = await save(root, 2);
    const sidecarPath = join(dir, 'trainer_state.json');
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8'));
    expect(sidecar.format).toBe('reasoning-engine-checkpoint/2');
    writeFileSync(sidecarPath, JSON.stringify({ ...sidecar, step: 3 }));
    const altered = 'trainer_state.json was altered or corrupted (its checksum does not match its content)';
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(altered);
    writeFileSync(sidecarPath, JSON.stringify({ ...sidecar, tokensSeen: sidecar.tokensSeen + 1 }));
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(altered);
    const { checksum: _c, ...legacy } = sidecar;
    writeFileSync(sidecarPath, JSON.stringify({ ...legacy, format: 'reasoning-engine-checkpoint/1' }));
    expect((await loadCheckpoint(store, dir, paramLayout)).state).toMatchObject({
      step: 2,
      tokensSeen: sidecar.tokensSeen,
    });
  });
  it('a write killed midway leaves the previous checkpoint as latest, and the leftover is cleaned', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ckpt-'));
    await save(root, 3);
    mkdirSync(join(root, `${stepDirName(4)}.tmp-99999`)); // what a killed writer leaves
    writeFileSync(join(root, `${stepDirName(4)}.tmp-99999`, 'model.safetensors'), 'partial');
    expect(await latestCheckpoint(store, root)).toBe(join(root, stepDirName(3)));
    expect((await loadCheckpoint(store, (await latestCheckpoint(store, root))!, paramLayout)).state!.step).toBe(3);
    await save(root, 5);
    expect(readdirSync(root).some((e) => e.includes('.tmp-'))).toBe(false);
  });
  it('imports a Qwen2 checkpoint made elsewhere (no sidecar, tied lm_head, bf16) and refuses a mismatched one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hf-'));
    const params = initParams(config, layout, 9);
    const named = unpackParams(layout, params);
    named.set('lm_head.weight', named.get('model.embed_tokens.weight')!);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, transformers_version: '4.40.0' }));
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(named));
    const c = await loadCheckpoint(store, dir, paramLayout);
    expect(Array.from(c.params)).toEqual(Array.from(params));
    expect(c.m).toBeUndefined();
    named.delete('model.norm.weight');
    writeFileSync(join(dir, 'model.safetensors'), encodeSafetensors(named));
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(/missing 1 tensor\(s\): model\.norm\.weight/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, num_hidden_layers: 3 }));
    await expect(loadCheckpoint(store, dir, paramLayout)).rejects.toThrow(/does not match the model config/);
  });
});
