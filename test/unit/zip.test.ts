// The store-only zip a page saves a checkpoint as (harness/web/common/zip.ts), read back by an
// independent reader (Python's zipfile, which checks every CRC-32) and its CRC-32 against zlib's.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, zipStore } from '../../harness/web/common/zip.js';
import { rng } from '../util/random.js';

const PYTHON = '/usr/bin/python3';

describe('zipStore', () => {
  it("computes zlib's CRC-32", () => {
    const rand = rng(3);
    const data = Uint8Array.from({ length: 1000 }, () => Math.floor(rand() * 256));
    expect(crc32(data)).toBe(zlibCrc32(data));
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926); // the standard check value
  });

  it('writes an archive that unzip reads back file for file, folders, names and date included', () => {
    const dir = mkdtempSync(join(tmpdir(), 'zip-'));
    try {
      const rand = rng(9);
      const files: [string, Uint8Array][] = [
        ['step-00000004/model.safetensors', Uint8Array.from({ length: 70_000 }, () => Math.floor(rand() * 256))],
        ['step-00000004/config.json', new TextEncoder().encode('{"a": 1}\n')],
        ['step-00000004/empty', new Uint8Array(0)],
        ['ünïcode.txt', new TextEncoder().encode('é')],
      ];
      writeFileSync(join(dir, 'a.zip'), zipStore(files, new Date(2026, 10, 27, 18, 30, 12)));
      const script =
        'import json, sys, zipfile\n' +
        'z = zipfile.ZipFile(sys.argv[1])\n' +
        'assert z.testzip() is None\n' +
        'print(json.dumps([[i.filename, i.date_time, i.compress_type] for i in z.infolist()]))\n' +
        'z.extractall(sys.argv[2])\n';
      const listing = JSON.parse(
        execFileSync(PYTHON, ['-c', script, join(dir, 'a.zip'), join(dir, 'x')], { encoding: 'utf8' }),
      );
      expect(listing).toEqual(files.map(([name]) => [name, [2026, 11, 27, 18, 30, 12], 0]));
      for (const [name, data] of files) expect(new Uint8Array(readFileSync(join(dir, 'x', name)))).toEqual(data);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
