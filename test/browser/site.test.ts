// The static site (npm run site) built once from a fixture run directory (site-fixtures.ts), served
// under a sub-path by a plain static server and opened in Debian's Chromium: the Results page draws
// one pass@k figure per split with a line per results file and metric, bars per file and op, and a
// training figure per metrics column; the Samples page draws both dependency graphs with the node of
// a corrupted step marked `value` and an added step marked `extra`; no page logs an error.
// SCREENSHOTS=1 also writes docs/site-results.png and docs/site-samples.png.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite, type SiteSize } from '../../harness/site/build.js';
import type { Problem } from '../../ts/data/generator.js';
import { CHROMIUM, CHROMIUM_ARGS } from './harness.js';
import { corruptions, MODELS, N, OPS, PRETRAIN_COLUMNS, RL_COLUMNS, writeFixtureRun } from './site-fixtures.js';
import { serveDir } from './static-server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const SPLITS = ['ID', 'OOD-edge', 'OOD-hard']; // OPS reach all three

let tmp: string, size: SiteSize, server: Server, url: string, browser: Browser, problems: Problem[];
const errors: string[] = [];

async function open(path: string, ready: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1150, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
  await page.goto(url + path);
  await page.waitForSelector(ready, { timeout: 20_000 });
  return page;
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS !== '1') return;
  await page.screenshot({ path: join(ROOT, `docs/site-${name}.png`), clip: { x: 0, y: 0, width: 1150, height: 1300 } });
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'site-'));
  ({ problems } = await writeFixtureRun(join(tmp, 'fixture')));
  size = await buildSite({ results: [join(tmp, 'fixture')], out: join(tmp, 'site') });
  ({ server, url } = await serveDir(join(tmp, 'site')));
  // These pages need no GPU: the harness's flags less those that turn WebGPU on.
  const args = CHROMIUM_ARGS.filter((a) => a.startsWith('--disable') || a === '--no-first-run');
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('the static site', () => {
  it('holds every page, the worker and the data, and reports its size', () => {
    expect(size.files).toBeGreaterThan(8);
    expect(size.gzipped).toBeLessThan(size.bytes);
    expect(size.checkpointBytes).toBe(0);
  });

  it('results: pass@k per split (a line per file and metric), reward hacking per op, training curves', async () => {
    const page = await open('results.html', 'figure#hacking-plot svg');
    const figures = page.locator('figure.passk');
    expect(await figures.evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.group))).toEqual(SPLITS);
    for (let i = 0; i < SPLITS.length; i++) {
      // One path per results file in each of the two facets (answer only, process-verified).
      expect(await figures.nth(i).locator('g[aria-label="line"] path').count()).toBe(MODELS.length * 2);
      expect(await figures.nth(i).locator('g[aria-label="dot"] circle').count()).toBe(MODELS.length * 2 * N);
    }
    expect(await page.locator('#hacking-plot g[aria-label="bar"] rect').count()).toBe(MODELS.length * OPS.length);
    const columns = await page
      .locator('figure.training')
      .evaluateAll((fs) => fs.map((f) => (f as HTMLElement).dataset.column));
    expect(columns.sort()).toEqual([...new Set([...PRETRAIN_COLUMNS, ...RL_COLUMNS])].sort());
    // The loss is in both runs: two lines.
    expect(await page.locator('figure.training[data-column="loss"] g[aria-label="line"] path').count()).toBe(2);
    await screenshot(page, 'results');
    await page.selectOption('#group-by', 'op');
    await expect.poll(() => page.locator('figure.passk').count()).toBe(OPS.length);
    await page.close();
  });

  it("samples: both graphs, the corrupted step's node marked value, the added step's extra, the rest unmarked", async () => {
    const p = problems[1];
    const { lastStep, extraStep } = corruptions(p);
    const marks = (page: Page, graph: string) =>
      page
        .locator(`figure[data-graph="${graph}"] g.node`)
        .evaluateAll((ns) =>
          Object.fromEntries(ns.map((n) => [n.getAttribute('data-id'), n.getAttribute('data-mark')])),
        );
    const page = await open(`samples.html?file=0&problem=${p.id}&sample=0`, 'figure[data-graph="output"] svg');
    // Each sample is shown by clicking its row, as a reader does.
    const view = async (sample: number) => {
      if (sample) await page.click(`tr[data-sample="${sample}"]`);
      await page.waitForSelector(`tr.selected[data-sample="${sample}"]`);
      return { gold: await marks(page, 'gold'), output: await marks(page, 'output') };
    };
    const steps = [...solutionSteps(p)];
    const allOk = Object.fromEntries(steps.map((s) => [s, 'ok']));

    const right = await view(0);
    expect(right.gold).toEqual(allOk);
    expect(right.output).toEqual(allOk);

    const wrong = await view(1);
    expect(wrong.gold).toEqual({ ...allOk, [lastStep]: 'value' });
    expect(wrong.output).toEqual({ ...allOk, [lastStep]: 'value' });
    // Edges: as many in each graph as the gold has dependencies.
    const edges = (g: string) => page.locator(`figure[data-graph="${g}"] path.edge`).count();
    expect(await edges('output')).toBe(await edges('gold'));
    expect(await page.locator('#verdict table').first().textContent()).toContain('where the gold has');
    expect(new URL(page.url()).searchParams.get('sample')).toBe('1');
    await screenshot(page, 'samples');

    const extra = await view(2);
    expect(extra.gold).toEqual(allOk);
    expect(extra.output).toEqual({ ...allOk, [`extra 1: ${extraStep}`]: 'extra' });
    await page.close();
  });

  it('home: says what data the site carries', async () => {
    const page = await open('index.html', '#contents:not(:empty)');
    expect(await page.textContent('#contents')).toContain(
      `${MODELS.length} evaluation results, 1 samples files, 2 training logs and no checkpoint`,
    );
    await page.close();
  });

  it('logs no error on any page', () => {
    expect(errors).toEqual([]);
  });
});

/** The parameter names the gold solution defines, in order. */
function solutionSteps(p: Problem): string[] {
  return [...p.solution.matchAll(/Define (.+?) as [A-Za-z];/g)].map((m) => m[1]);
}
