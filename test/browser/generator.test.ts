import { describe, expect, it } from 'vitest';
import { goldenIds } from './generator-golden.js';
import { runInBrowser } from './harness.js';

describe('generator in the browser', () => {
  it('gives the same golden hashes in Chromium as in Node', async () => {
    const node = await goldenIds();
    const browser = await runInBrowser<{ ids: string[]; userAgent: string }>('test/browser/generator-golden.entry.ts');
    expect(browser.userAgent).toMatch(/Chrome/);
    expect(node.length).toBe(600);
    expect(new Set(node.map((r) => r.split(' ').pop())).size).toBe(600);
    expect(browser.ids).toEqual(node);
  });
});
