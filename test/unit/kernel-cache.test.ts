// The kernel trials' cache file (ts/io/kernel-cache.ts): where it lives, round trips, and that a
// broken file or an unwritable place costs a trial, never a failed run.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileKernelCache, kernelCacheDir } from '../../ts/io/kernel-cache.js';

describe('kernel cache file', () => {
  it('lives under ENGINE_CACHE, else the user cache directory', () => {
    expect(kernelCacheDir({ ENGINE_CACHE: '/x/c' })).toBe('/x/c');
    expect(kernelCacheDir({ XDG_CACHE_HOME: '/x/xdg' })).toBe('/x/xdg/reasoning-engine');
  });
  it('keeps each key across instances (processes)', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'kc-')), 'deeper');
    await fileKernelCache(dir).set('a', 'tiled64');
    await fileKernelCache(dir).set('b', 'lavapipe');
    expect(await fileKernelCache(dir).get('a')).toBe('tiled64');
    expect(await fileKernelCache(dir).get('b')).toBe('lavapipe');
    expect(await fileKernelCache(dir).get('c')).toBeUndefined();
  });
  it('reads a broken file as empty, and survives a place it cannot write', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kc-'));
    writeFileSync(join(dir, 'kernels.json'), '{not json');
    expect(await fileKernelCache(dir).get('a')).toBeUndefined();
    await fileKernelCache(dir).set('a', 'tiled32');
    expect(await fileKernelCache(dir).get('a')).toBe('tiled32');
    // A directory path through a regular file: mkdir fails (for root too).
    await expect(fileKernelCache(join(dir, 'kernels.json', 'sub')).set('a', 'x')).resolves.toBeUndefined();
  });
});
