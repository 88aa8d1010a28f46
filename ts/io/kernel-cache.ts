// The kernel trials' cache in Node: one JSON file (key -> variant) under ENGINE_CACHE, else the
// user's cache directory ($XDG_CACHE_HOME or ~/.cache)/reasoning-engine. A cache that cannot be read
// or written costs a trial at the next start, never a failed run: it is only a cache.
import { mkdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { KernelCache } from '../gpu/kernels.js';
import { writeFileAtomic } from './files.js';

export function kernelCacheDir(env = process.env): string {
  return env.ENGINE_CACHE || join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'reasoning-engine');
}

export function fileKernelCache(dir = kernelCacheDir()): KernelCache {
  const path = join(dir, 'kernels.json');
  const load = (): Record<string, string> => {
    try {
      return JSON.parse(readFileSync(path, 'utf8'));
    } catch {
      return {};
    }
  };
  return {
    get: async (key) => load()[key],
    async set(key, value) {
      try {
        mkdirSync(dir, { recursive: true });
        writeFileAtomic(path, JSON.stringify({ ...load(), [key]: value }, null, 1) + '\n');
      } catch (e) {
        process.stderr.write(`note: kernel trial not cached (${(e as Error).message})\n`);
      }
    },
  };
}
