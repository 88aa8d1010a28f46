// eval --samples on resume: the samples file keeps exactly the lines of the problems the journal
// finished (a kill can fall between a problem's sample lines and its journal row, or cut a line
// short); a file of another evaluation starts anew.
import { describe, expect, it } from 'vitest';
import { openSamples, SAMPLES_FORMAT } from '../../ts/eval/samples.js';
import { readText } from '../../ts/store/store.js';
import { MemoryStore } from '../../ts/store/memory.js';

const header = (key: string) => JSON.stringify({ format: SAMPLES_FORMAT, key });
const line = (i: number, sample: number) => JSON.stringify({ i, sample, text: `problem ${i} sample ${sample}` });

async function linesAfter(existing: string | undefined, key: string, done: number[]): Promise<string[]> {
  const store = new MemoryStore();
  if (existing !== undefined) await store.write('s.jsonl', existing);
  await openSamples(store, 's.jsonl', key, new Set(done));
  return (await readText(store, 's.jsonl'))!.split('\n');
}

describe('openSamples', () => {
  const written = [header('k'), line(0, 0), line(0, 1), line(1, 0), line(1, 1), line(2, 0), line(2, 1)];

  it("keeps the finished problems' lines, drops the others and a line cut short", async () => {
    const cut = line(3, 0).slice(0, 12);
    expect(await linesAfter([...written, cut].join('\n'), 'k', [0, 2])).toEqual([
      header('k'),
      line(0, 0),
      line(0, 1),
      line(2, 0),
      line(2, 1),
      '',
    ]);
  });

  it('starts anew for another evaluation, or when there is no file', async () => {
    expect(await linesAfter(written.join('\n') + '\n', 'other', [0, 1, 2])).toEqual([header('other'), '']);
    expect(await linesAfter(undefined, 'k', [0])).toEqual([header('k'), '']);
  });
});
