// The "Train here" and "Evaluate here" pages of the built site (npm run site), in Chromium on
// SwiftShader against Node and the CLI on SwiftShader: a training run paused and resumed in the page
// gives a Node run's per-step losses and weights; the page's evaluation of those weights gives the
// CLI's results for the page's downloaded checkpoint with the same settings; a file that is no
// checkpoint gets the loader's message; no WebGPU, or an adapter short of a limit, is said so. No
// console errors. The tests run in order (the second evaluates what the first made). SCREENSHOTS=1
// writes docs/site-train.png and docs/site-evaluate.png.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../harness/site/build.js';
import { loadCheckpoint } from '../../ts/ckpt/index.js';
import type { EvalResults } from '../../ts/eval/run.js';
import { Gpu } from '../../ts/gpu/index.js';
import { useDawn } from '../../ts/io/dawn.js';
import { NodeStore } from '../../ts/io/node-store.js';
import { paramLayout } from '../../ts/model/params.js';
import { validateRunConfig } from '../../ts/train/runconfig.js';
import { runTraining } from '../../ts/train/stage.js';
import { sha256Hex } from '../../ts/util/hash.js';
import { callbackReporter } from '../../ts/util/reporter.js';
import { stepSeries, TINY_EVAL, TINY_RUN, TINY_STEPS } from '../util/tiny-run.js';
import { launchChromium } from './harness.js';
import { serveDir } from './static-server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/node/cli.js');
const run = promisify(execFile);

// TINY_EVAL over the `start` preset: as the page's inputs take it, and as CLI flags.
const PAGE_EVAL = Object.fromEntries(
  Object.entries(TINY_EVAL).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : String(v)]),
);
const CLI_EVAL = [
  '--config',
  'start',
  ...Object.entries(PAGE_EVAL).flatMap(([k, v]) => [`--${k.replaceAll('_', '-')}`, v]),
];

type Compared = Pick<EvalResults, 'settings' | 'ks' | 'problems' | 'aggregates'> & { modelSha256: string };
const compared = (r: EvalResults): Compared => ({
  settings: r.settings,
  ks: r.ks,
  problems: r.problems,
  aggregates: r.aggregates,
  modelSha256: r.checkpoint.modelSha256,
});

/** `eval` of the CLI on SwiftShader with the page's settings. */
async function cliEval(checkpoint: string, out: string): Promise<EvalResults> {
  await run(process.execPath, [
    CLI,
    'eval',
    '--checkpoint',
    checkpoint,
    '--out',
    out,
    '--adapter',
    'swiftshader',
    ...CLI_EVAL,
  ]);
  return JSON.parse(readFileSync(out, 'utf8'));
}

let tmp: string;
let site: { url: string; close(): void };
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** The tiny run made in Node on SwiftShader: its per-step losses and final weights. */
let node: { losses: number[]; modelSha256: string };

/** The tiny run in Node, and the site built with its checkpoint (the browser starts meanwhile). */
async function nodeRunAndSite(): Promise<void> {
  useDawn();
  const gpu = await Gpu.create({ adapter: 'swiftshader', announce: false });
  const rows: object[] = [];
  const reporter = callbackReporter({ row: (r) => rows.push(r) });
  const out = join(tmp, 'run');
  const result = await runTraining(validateRunConfig(TINY_RUN), { gpu, store: new NodeStore(), reporter, out });
  const modelSha256 = await sha256Hex(readFileSync(join(result.checkpoint, 'model.safetensors')));
  node = { losses: stepSeries(rows).losses, modelSha256 };
  await buildSite({ results: [], checkpoint: out, out: join(tmp, 'site') });
  const served = await serveDir(join(tmp, 'site'));
  site = { url: served.url, close: () => served.server.close() };
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'pages-'));
  [browser] = await Promise.all([launchChromium(), nodeRunAndSite()]);
});

afterAll(async () => {
  await browser?.close();
  site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** A page of the site, with every console error and uncaught exception it reports. */
async function open(name: string, init?: () => void): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => void (m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`)));
  page.on('pageerror', (e) => errors.push(e.message));
  if (init) await page.addInitScript(init);
  await page.goto(`${site.url}${name}.html`);
  return { page, errors };
}

const text = (page: Page, id: string) => page.locator(`#${id}`).innerText();
const banner = (page: Page) => page.locator('#errors').innerText();

/** What a click on `button` downloads, as bytes. */
async function downloaded(page: Page, button: string): Promise<Buffer> {
  const [file] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
  return readFileSync((await file.path())!);
}

/** Fills the evaluate page's settings, runs it on the chosen checkpoint and returns the results JSON. */
async function evaluateIn(page: Page): Promise<EvalResults> {
  await page.waitForSelector('#inputs:not([disabled])');
  for (const [key, value] of Object.entries(PAGE_EVAL)) await page.fill(`#set-${key}`, value);
  await page.click('#run');
  await page.waitForSelector('#summary:not([hidden]), #errors', { timeout: 120_000 });
  return JSON.parse((await downloaded(page, '#download')).toString('utf8'));
}

/** The train page's status once a run has ended (and the page shows the run as stored). */
async function ended(page: Page): Promise<string> {
  await page.waitForSelector('#train:not([disabled])', { timeout: 120_000 });
  return text(page, 'status');
}

async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.SCREENSHOTS === '1') await page.screenshot({ path: join(ROOT, 'docs', name), fullPage: true });
}

describe('the pages that run the engine in the tab', () => {
  /** The checkpoint the train page made, downloaded and unzipped (the Node run's weights, bit for bit). */
  let trained: string | undefined;

  it('train here: paused and resumed, it makes the per-step losses and the weights of the run in Node', async () => {
    const { page, errors } = await open('train');
    await page.waitForSelector('#inputs:not([disabled])');
    await page.selectOption('#model', 'tiny');
    await page.click('#config-box summary');
    await page.fill('#config', JSON.stringify(TINY_RUN, null, 2));
    // Paused as soon as it starts: the stage stops after its first step (the data is built before).
    await page.click('#train');
    await page.click('#pause');
    expect(await ended(page)).toMatch(/^paused at step 1,/);
    await page.click('#train:text("Resume")');
    expect(await ended(page)).toMatch(new RegExp(`^finished: ${TINY_STEPS} steps`));
    await page.locator('#curve svg').waitFor();
    await screenshot(page, 'site-train.png');

    const metrics = (await downloaded(page, '#download-metrics')).toString('utf8').trim().split('\n');
    expect(stepSeries(metrics.map((l) => JSON.parse(l))).losses).toEqual(node.losses);
    const dir = join(tmp, 'download');
    mkdirSync(dir);
    writeFileSync(join(dir, 'checkpoint.zip'), await downloaded(page, '#download-zip'));
    expect(errors).toEqual([]);
    await run('/usr/bin/python3', ['-m', 'zipfile', '-e', join(dir, 'checkpoint.zip'), dir]);
    const ckpt = join(dir, `step-0000000${TINY_STEPS}`);
    expect(await sha256Hex(readFileSync(join(ckpt, 'model.safetensors')))).toBe(node.modelSha256);
    trained = ckpt;
  });

  it("evaluate here: the site's checkpoint gives the CLI's results for the train page's download (same weights)", async () => {
    // The site carries the Node run's checkpoint; the train page's has the same weights (above), and
    // the CLI evaluates that one, as downloaded, while the page evaluates the site's.
    expect(trained).toBeDefined();
    const { page, errors } = await open('evaluate');
    const cli = cliEval(trained!, join(tmp, 'cli.json'));
    const inPage = await evaluateIn(page);
    expect(inPage.problems).toHaveLength(TINY_EVAL.ops.length * TINY_EVAL.per_op);
    expect((await cli).checkpoint.step).toBe(TINY_STEPS);
    expect(compared(inPage)).toEqual(compared(await cli));
    expect(await text(page, 'table')).toContain('op 3');
    await screenshot(page, 'site-evaluate.png');
    expect(errors).toEqual([]);
  });

  it("a file that is no checkpoint gets the checkpoint loader's message", async () => {
    const bad = join(tmp, 'bad');
    mkdirSync(bad);
    writeFileSync(join(bad, 'config.json'), '{"hidden_size": 32}');
    const expected = await loadCheckpoint(new NodeStore(), bad, paramLayout).then(
      () => 'loaded',
      (e: Error) => e.message.replaceAll(bad, 'checkpoints/files'),
    );
    expect(expected).toMatch(/^checkpoint checkpoints\/files: config\.json: .*vocab_size/);
    const { page, errors } = await open('evaluate');
    await page.waitForSelector('#inputs:not([disabled])');
    await page.check('#src-files');
    await page.setInputFiles('#files', [join(bad, 'config.json')]);
    await page.click('#run');
    expect(await banner(page)).toBe(expected);
    expect(errors).toEqual([]);
  });

  it('says so where the browser has no WebGPU, or an adapter short of a limit the engine needs', async () => {
    const noGpu = await open('train', () => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    expect(await banner(noGpu.page)).toMatch(/^This browser has no WebGPU \(navigator\.gpu is missing\)/);
    expect(await noGpu.page.locator('#inputs button').first().isDisabled()).toBe(true);
    expect(noGpu.errors).toEqual([]);
    const { page, errors } = await open('evaluate', () => {
      const real = Object.getOwnPropertyDescriptor(GPUAdapter.prototype, 'limits')!.get!;
      Object.defineProperty(GPUAdapter.prototype, 'limits', {
        get() {
          const l = real.call(this);
          return new Proxy(l, { get: (t, k) => (k === 'maxStorageBuffersPerShaderStage' ? 4 : t[k]) });
        },
      });
    });
    expect(await banner(page)).toMatch(
      /offers maxStorageBuffersPerShaderStage 4, below the 8 the engine's kernels need/,
    );
    expect(errors).toEqual([]);
  });
});
