// The CLI's signal handlers on a stand-in process: the first SIGINT or SIGTERM aborts the stop signal
// and says so, a second (not the same press delivered twice) quits at once with 128 + its number; and
// the command line printed to resume.
// (test/gpu/interrupt.test.ts sends real signals to real runs.)
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import {
  receivedSignal,
  resetSignals,
  sameCommand,
  SAME_PRESS_MS,
  stopOnSignals,
} from '../../harness/cli/interrupt.js';

function fakeProcess() {
  const events = new EventEmitter();
  const p = { exits: [] as number[], said: '', on: events.on.bind(events), emit: events.emit.bind(events) };
  return Object.assign(p, {
    exit: (c: number) => void p.exits.push(c),
    stderr: { write: (t: string) => (p.said += t) },
  });
}

describe('stopOnSignals', () => {
  afterEach(resetSignals);

  it('stops after the step on the first signal and quits on the second', () => {
    const p = fakeProcess();
    let t = 0;
    const stop = stopOnSignals(p, () => t);
    expect(stop.aborted).toBe(false);
    p.emit('SIGINT');
    expect(stop.aborted).toBe(true);
    expect(receivedSignal()).toBe('SIGINT');
    expect(p.said).toContain('stopping after this step (Ctrl-C again to quit now)');
    expect(p.exits).toEqual([]);
    // npm forwards the terminal's Ctrl-C to its script, which the terminal signals too: one press.
    t = SAME_PRESS_MS / 10;
    p.emit('SIGINT');
    expect(p.exits).toEqual([]);
    t = SAME_PRESS_MS * 2;
    p.emit('SIGINT');
    expect(p.exits).toEqual([130]);
  });

  it('exits 143 on a second SIGTERM, and installs its handlers once', () => {
    const p = fakeProcess();
    let t = 0;
    expect(stopOnSignals(p, () => t)).toBe(stopOnSignals(p));
    p.emit('SIGTERM');
    expect(receivedSignal()).toBe('SIGTERM');
    t = SAME_PRESS_MS;
    p.emit('SIGTERM');
    expect(p.exits).toEqual([143]);
  });
});

describe('sameCommand', () => {
  const argv = (...a: string[]) => ['/usr/bin/node', 'dist/node/cli.js', ...a];

  it('is the command as typed: node, npm start, npm run cli', () => {
    expect(sameCommand(argv('pretrain', '--out', 'runs/a b'), {})).toBe(
      "node dist/node/cli.js pretrain --out 'runs/a b'",
    );
    expect(sameCommand(argv('start'), { npm_lifecycle_event: 'start' })).toBe('npm start');
    expect(sameCommand(argv('start', '--scale', '0.05'), { npm_lifecycle_event: 'start' })).toBe(
      'npm start -- --scale 0.05',
    );
    expect(sameCommand(argv('eval', '--out', "it's.json"), { npm_lifecycle_event: 'cli' })).toBe(
      "npm run --silent cli -- eval --out 'it'\\''s.json'",
    );
  });
});
