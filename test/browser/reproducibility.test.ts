// The Reproducibility page of the built site, in Chromium on SwiftShader: it runs the tiny protocol in
// the engine's worker and compares the fingerprint with the references the site carries (those of
// harness/repro/fingerprints as they are committed, plus two made here: one with a step's loss bits
// changed, which must differ at that step, and one of another protocol version, which is not
// comparable); its downloaded fingerprint is what `repro run --adapter swiftshader` writes in Node;
// the compare-files view reports on files opened in it; bad files and no WebGPU get their message. No
// console errors. SCREENSHOTS=1 writes docs/site-reproducibility.png.
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSite } from '../../harness/site/build.js';
import { KERNELS_FORMAT, type KernelFingerprint } from '../../ts/repro/kernels.js';
import type { ProtocolFingerprint } from '../../ts/repro/protocol.js';
import { engineIdentity } from '../../ts/util/provenance.js';
import { launchChromium } from './harness.js';
import { serveDir } from './static-server.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const REPRO = join(ROOT, 'harness/repro');

const reference = (): ProtocolFingerprint =>
  JSON.parse(readFileSync(join(REPRO, 'fingerprints/tiny-swiftshader.json'), 'utf8'));

/** The SwiftShader reference with one pre-training step's loss one ULP off (its last bit flipped). */
function withLossOff(step: number): ProtocolFingerprint {
  const f = reference();
  const s = f.steps.find((x) => x.stage === 'pretrain' && x.step === step && x.kind === 'train')!;
  s.bits.loss = s.bits.loss.slice(0, -1) + (parseInt(s.bits.loss.at(-1)!, 16) ^ 1).toString(16);
  return f;
}

let tmp: string, server: Server, url: string;
let browser: Awaited<ReturnType<typeof launchChromium>>;
/** The page's fingerprint, as downloaded. */
let page: ProtocolFingerprint | undefined;

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'repro-site-'));
  // The repository's protocols and references, and two references made here.
  const repro = join(tmp, 'repro');
  cpSync(REPRO, repro, { recursive: true });
  writeFileSync(join(repro, 'fingerprints/test-loss-off.json'), JSON.stringify(withLossOff(2)));
  const other = reference();
  other.protocol = { ...other.protocol, version: 0, sha256: '0'.repeat(64) };
  writeFileSync(join(repro, 'fingerprints/test-other-version.json'), JSON.stringify(other));
  await buildSite({ results: [], out: join(tmp, 'site'), repro });
  ({ server, url } = await serveDir(join(tmp, 'site')));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** The page, with every console error and uncaught exception it reports. */
async function open(init?: () => void): Promise<{ page: Page; errors: string[] }> {
  const p = await browser.context.newPage();
  const errors: string[] = [];
  p.on('console', (m) => void (m.type() === 'error' && errors.push(`${m.text()} (${m.location().url})`)));
  p.on('pageerror', (e) => errors.push(e.message));
  if (init) await p.addInitScript(init);
  await p.goto(`${url}reproducibility.html`);
  return { page: p, errors };
}

/** The comparisons of the run (by reference) or of the files (by the file compared with the first): verdicts. */
const verdicts = (p: Page, section: 'results' | 'compared') =>
  p
    .locator(`#${section} article.comparison`)
    .evaluateAll(
      (as, key) =>
        Object.fromEntries(as.map((a) => [(a as HTMLElement).dataset[key], (a as HTMLElement).dataset.verdict])),
      section === 'results' ? 'a' : 'b',
    );

/** The report of one comparison (`label`: the reference, or the file compared with the first). */
const article = (p: Page, section: 'results' | 'compared', label: string) =>
  p.locator(`#${section} article.comparison[data-${section === 'results' ? 'a' : 'b'}="${label}"]`).innerText();

/** Opens `files` (name -> JSON value or text) in the compare-files view. */
async function compareFiles(p: Page, files: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmp, 'files-'));
  for (const [name, v] of Object.entries(files))
    writeFileSync(join(dir, name), typeof v === 'string' ? v : JSON.stringify(v));
  await p.setInputFiles(
    '#files',
    Object.keys(files).map((n) => join(dir, n)),
  );
}

describe('the Reproducibility page', () => {
  it('runs the protocol on SwiftShader in the worker: identical to the SwiftShader reference as committed', async () => {
    const { page: p, errors } = await open();
    await p.click('#run:not([disabled])');
    await p.waitForSelector('#download:not([hidden]), #errors', { timeout: 170_000 });
    expect(await p.locator('#errors').count()).toBe(0);
    const shown = await verdicts(p, 'results');
    expect(shown).toMatchObject({
      'tiny-swiftshader': 'identical',
      'test-loss-off': 'differs',
      'test-other-version': 'incomparable',
    });
    expect(Object.keys(shown).sort()).toEqual(
      readdirSync(join(tmp, 'repro/fingerprints'))
        .map((f) => f.slice(0, -5))
        .sort(),
    );
    expect(await article(p, 'results', 'tiny-swiftshader')).toMatch(/Identical: all \d+ events of the protocol/);
    expect(await article(p, 'results', 'test-loss-off')).toContain('First divergence: pretrain step 2, train: loss');
    expect(await article(p, 'results', 'test-other-version')).toMatch(
      /not comparable: test-other-version ran protocol tiny version 0 .* this GPU ran protocol tiny version 1/,
    );
    expect(await p.locator('#device').innerText()).toMatch(/\(swiftshader\)$/);

    const [file] = await Promise.all([p.waitForEvent('download'), p.click('#download')]);
    expect(file.suggestedFilename()).toBe('tiny-swiftshader.json');
    page = JSON.parse(readFileSync((await file.path())!, 'utf8'));
    if (process.env.SCREENSHOTS === '1') {
      // The references the repository ships, not the two made for the test.
      const made = p.locator('article[data-a^="test-"], #references li[data-name^="test-"]');
      await made.evaluateAll((es) => es.forEach((e) => e.remove()));
      await p.screenshot({ path: join(ROOT, 'docs/site-reproducibility.png'), fullPage: true });
    }
    expect(errors).toEqual([]);
  });

  it('its download is what `repro run --adapter swiftshader` writes in Node, but for when, build and driver names', async () => {
    // The committed reference is the CLI's output (`npm run repro:references`), and test/gpu/protocol.test.ts
    // checks that a fresh `repro run` reproduces it. What legitimately differs: `created`; `engine`, as the
    // reference may come from an older commit (checked against this checkout's identity instead, which the
    // CLI built from it writes); and the adapter's name, description and device, which Chromium does not
    // expose (its GPUAdapterInfo leaves them empty). Vendor, architecture, features, limits and subgroup
    // sizes are the same.
    expect(page).toBeDefined();
    const covered = (f: ProtocolFingerprint) => ({
      ...f,
      created: '',
      engine: undefined,
      adapter: { ...f.adapter, name: '', description: '', device: '' },
    });
    expect(covered(page!)).toEqual(covered(reference()));
    expect(page!.engine).toEqual(await engineIdentity());
  });

  it('compare files: names the first diverging step of two protocol fingerprints, the kernel of two kernel ones', async () => {
    const { page: p, errors } = await open();
    await compareFiles(p, { 'a.json': reference(), 'b.json': withLossOff(4), 'c.json': reference() });
    await expect.poll(() => verdicts(p, 'compared')).toEqual({ 'b.json': 'differs', 'c.json': 'identical' });
    expect(await article(p, 'compared', 'b.json')).toContain('First divergence: pretrain step 4, train: loss');
    expect(await article(p, 'compared', 'b.json')).toMatch(/Not identical: 1 of \d+ events differ/);

    const kernels = (sha: string): KernelFingerprint => ({
      ...({
        format: KERNELS_FORMAT,
        created: '',
        seed: 1,
        adapter: reference().adapter,
        engine: reference().engine,
      } as const),
      kernels: [
        { name: 'matmul.forward', sha256: 'a'.repeat(64), maxUlp: 0, maxRelError: 0 },
        { name: 'swiglu.forward.h', sha256: sha, maxUlp: 2, maxRelError: 1e-7 },
      ] as KernelFingerprint['kernels'],
    });
    await compareFiles(p, { 'k1.json': kernels('b'.repeat(64)), 'k2.json': kernels('c'.repeat(64)) });
    await expect.poll(() => verdicts(p, 'compared')).toEqual({ 'k2.json': 'differs' });
    const report = await article(p, 'compared', 'k2.json');
    expect(report).toMatch(/Not identical: 1 of 2 kernel outputs differ/);
    expect(report).toContain('swiglu.forward.h');
    expect(report).not.toContain('matmul.forward');
    expect(errors).toEqual([]);
  });

  it('says what is wrong with a file, and that a reference of another protocol version is not comparable', async () => {
    const { page: p, errors } = await open();
    const banner = () => p.locator('#errors p').last().innerText();
    await compareFiles(p, { 'a.json': reference(), 'broken.json': '{"format": ' });
    await expect.poll(banner).toMatch(/^broken\.json is not valid JSON \(/);
    await compareFiles(p, { 'a.json': reference(), 'eval.json': { format: 'reasoning-engine-eval/1' } });
    await expect
      .poll(banner)
      .toBe(
        'eval.json is not a fingerprint (format "reasoning-engine-eval/1"); write one with `repro run` or `repro kernels`',
      );
    await compareFiles(p, { 'a.json': reference(), 'k.json': { format: KERNELS_FORMAT, kernels: [] } });
    await expect.poll(banner).toBe('a.json is a protocol fingerprint and k.json a kernels one: compare like with like');
    const other = { ...reference(), protocol: { name: 'tiny', version: 2, sha256: 'f'.repeat(64) } };
    await compareFiles(p, { 'a.json': reference(), 'v2.json': other });
    await expect.poll(() => verdicts(p, 'compared')).toEqual({ 'v2.json': 'incomparable' });
    expect(await p.locator('#compared').innerText()).not.toMatch(/Not identical|differ/);
    expect(errors).toEqual([]);
  });

  it('without WebGPU: says so, and still compares files', async () => {
    const { page: p, errors } = await open(() => {
      delete (Navigator.prototype as { gpu?: unknown }).gpu;
    });
    expect(await p.locator('#errors').innerText()).toMatch(/^This browser has no WebGPU \(navigator\.gpu is missing\)/);
    expect(await p.locator('#run').isDisabled()).toBe(true);
    await compareFiles(p, { 'a.json': reference(), 'b.json': reference() });
    await expect.poll(() => verdicts(p, 'compared')).toEqual({ 'b.json': 'identical' });
    expect(errors).toEqual([]);
  });
});
