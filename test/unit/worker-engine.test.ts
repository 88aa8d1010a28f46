// The engine API's configs (ts/worker/engine.ts): a preset by name with overrides, validated by the
// stage's schema before any GPU is opened, and refused with the schema's one-line messages.
import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../ts/store/memory.js';
import { createEngine } from '../../ts/worker/engine.js';

describe('engine configs', () => {
  const engine = createEngine({ store: new MemoryStore() });

  it('names the presets there are for an unknown one', async () => {
    await expect(engine.train({ preset: 'nope' }, 'run')).rejects.toThrow(
      /^no pretrain preset 'nope'; presets: mini-pretrain, paper-pretrain/,
    );
    await expect(engine.evaluate({ checkpoint: 'c', settings: { preset: 'nope' } }, 'e.json')).rejects.toThrow(
      /^no eval preset 'nope'; presets: /,
    );
  });

  it("checks the preset's values with the overrides laid over them", async () => {
    // Only the override is wrong: the preset supplied the required mixture and tokens.
    await expect(engine.train({ preset: 'mini-pretrain', seq_len: 0 }, 'run')).rejects.toThrow(
      /^bad run config: seq_len must be an integer >= 2 \(got 0\)$/,
    );
    await expect(engine.evaluate({ checkpoint: 'c', settings: { preset: 'start', n: 0 } }, 'e.json')).rejects.toThrow(
      /\bn\b/,
    );
    // Without the preset, a pretrain config lacks its required keys (a preset supplies them).
    await expect(engine.train({ stage: 'pretrain' }, 'run')).rejects.toThrow(/mixture is required/);
  });
});
