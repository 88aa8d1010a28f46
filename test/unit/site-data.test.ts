// What `npm run site` takes from run directories: results by their content (evaluations,
// calibrations, samples files with their header, metrics.jsonl), never from checkpoint or data
// folders nor a running evaluation's journal; and a wrong path or a folder that is not a site is
// refused before anything is written.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildSite } from '../../harness/site/build.js';
import { copyRepro, copyResults } from '../../harness/site/data.js';
import { sha256Hex } from '../../ts/util/hash.js';

function runDir(): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'site-data-')), 'study');
  const put = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  put('eval-rl.json', JSON.stringify({ format: 'reasoning-engine-eval/1', problems: [] }, null, 2));
  put('calibration.json', JSON.stringify({ format: 'reasoning-engine-calibration/1' }));
  put('run.json', JSON.stringify({ format: 'something-else' }));
  put('broken.json', '{');
  put('samples-rl.jsonl', '{"format":"reasoning-engine-samples/1","key":"k"}\n{"i":0}\n');
  put('notes.jsonl', '{"a":1}\n');
  put('eval-rl.json.partial.jsonl', '{"format":"reasoning-engine-samples/1"}\n');
  put('rl/metrics.jsonl', '{"step":1,"loss":2}\n');
  put('rl/checkpoints/step-1/metrics.jsonl', '{"step":1}\n');
  put('pretrain/data/metrics.jsonl', '{"step":1}\n');
  return dir;
}

describe('site data', () => {
  it('copies evaluations, calibrations, samples and metrics, and nothing else, listed by kind and name', () => {
    const dir = runDir();
    const out = mkdtempSync(join(tmpdir(), 'site-out-'));
    const entries = copyResults([dir], out);
    expect(entries).toEqual([
      { kind: 'calibration', name: 'study/calibration', file: 'data/0-study/calibration.json' },
      { kind: 'eval', name: 'study/eval-rl', file: 'data/0-study/eval-rl.json' },
      { kind: 'metrics', name: 'study/rl', file: 'data/0-study/rl/metrics.jsonl' },
      { kind: 'samples', name: 'study/samples-rl', file: 'data/0-study/samples-rl.jsonl' },
    ]);
    // JSON written compact, the same value; JSON lines as they were.
    expect(readFileSync(join(out, entries[1].file), 'utf8')).toBe('{"format":"reasoning-engine-eval/1","problems":[]}');
    expect(readFileSync(join(out, entries[3].file), 'utf8')).toBe(readFileSync(join(dir, 'samples-rl.jsonl'), 'utf8'));
  });

  it('names a missing folder, and one without results', () => {
    const out = mkdtempSync(join(tmpdir(), 'site-out-'));
    expect(() => copyResults(['/no/such/dir'], out)).toThrow('--results /no/such/dir: no such directory');
    const empty = mkdtempSync(join(tmpdir(), 'site-empty-'));
    expect(() => copyResults([empty], out)).toThrow('no evaluation results, samples or metrics.jsonl in it');
  });

  it('refuses an --out folder that is not a site, and a wrong checkpoint before writing anything', async () => {
    const notSite = mkdtempSync(join(tmpdir(), 'not-a-site-'));
    writeFileSync(join(notSite, 'precious.txt'), 'keep me');
    await expect(buildSite({ results: [], out: notSite })).rejects.toThrow('is not a site built here');
    expect(readFileSync(join(notSite, 'precious.txt'), 'utf8')).toBe('keep me');
    const out = join(mkdtempSync(join(tmpdir(), 'site-')), 'site');
    await expect(buildSite({ results: [], checkpoint: '/no/such/ckpt', out })).rejects.toThrow('no checkpoint at');
    expect(existsSync(out)).toBe(false);
  });
});

describe('site reproducibility data', () => {
  const REPRO = join(import.meta.dirname, '../../harness/repro');

  it("copies the protocols byte for byte (their sha256 is their identity) and lists each reference's protocol", async () => {
    const out = mkdtempSync(join(tmpdir(), 'site-out-'));
    const repro = copyRepro(REPRO, out);
    expect(repro.protocols).toContainEqual({ name: 'tiny', file: 'data/repro/tiny.json' });
    const tiny = readFileSync(join(out, 'data/repro/tiny.json'));
    expect(tiny.equals(readFileSync(join(REPRO, 'protocols/tiny.json')))).toBe(true);
    const ref = repro.fingerprints.find((f) => f.name === 'tiny-swiftshader')!;
    expect(ref.protocol.sha256).toBe(await sha256Hex(tiny));
    expect(JSON.parse(readFileSync(join(out, ref.file), 'utf8')).protocol).toEqual(ref.protocol);
  });

  it('refuses a reference that is not a protocol fingerprint, naming it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'repro-'));
    mkdirSync(join(dir, 'fingerprints'));
    writeFileSync(join(dir, 'fingerprints/old.json'), JSON.stringify({ format: 'reasoning-engine-kernels/1' }));
    expect(() => copyRepro(dir, mkdtempSync(join(tmpdir(), 'site-out-')))).toThrow(
      /fingerprints\/old\.json is not a protocol fingerprint \(format reasoning-engine-protocol-fingerprint\/1\)/,
    );
  });
});
