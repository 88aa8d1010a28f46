// "Evaluate here": a checkpoint (the site's own, a folder at a URL, or files on this computer) is
// copied into the engine's store (the origin's private file system), checked by the checkpoint
// loader, and evaluated by the engine's worker on this computer's GPU with the eval settings of the
// CLI (a preset and overrides); progress with ETA, a summary by op, and the results JSON to download.
import { STAGES } from '../../../ts/config/presets.js';
import type { EvalResults } from '../../../ts/eval/run.js';
import { EVAL_SCHEMA } from '../../../ts/eval/settings.js';
import { joinPath } from '../../../ts/store/store.js';
import { parseText, showValue } from '../../../ts/util/schema.js';
import { loadManifest } from '../common/data.js';
import { callbacks, download, openEngine, webGpuProblem, type RemoteEngine } from '../common/engine-client.js';
import { runPage, showError } from '../common/error.js';
import { mountNav } from '../common/nav.js';
import { progressView } from '../common/progress.js';

/** Where the checkpoint is copied (by source) and the results written, in the engine's store. */
const STAGED = 'checkpoints';
const OUT = 'evaluations/eval.json';
/** The settings a visitor chooses; the others keep the preset's values. */
const KEYS = ['ops', 'per_op', 'n', 'temperature', 'max_new_tokens', 'seed'] as const;
/** The smallest eval preset: a first run should finish in minutes. */
const DEFAULT_PRESET = 'start';
/** The files of a checkpoint folder without a trainer_state.json listing its own (a model made elsewhere). */
const MODEL_FILES = ['config.json', 'model.safetensors', 'tokenizer.json'];

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const say = (id: string, text: string) => void ($(id).textContent = text);

mountNav('evaluate');
runPage(async () => {
  const problem = await webGpuProblem();
  if (problem) return showError(problem);
  const manifest = await loadManifest();
  const engine = openEngine();
  const settings = settingsForm($('settings'));
  const site = manifest.checkpoint;
  $<HTMLInputElement>('src-site').disabled = !site;
  $<HTMLInputElement>(site ? 'src-site' : 'src-files').checked = true;
  say('site-checkpoint', site ? `(${(site.bytes / 1e6).toFixed(2)} MB)` : '(this site carries none)');
  $<HTMLFieldSetElement>('inputs').disabled = false;
  const bars = progressView($('progress'));
  let results: EvalResults | undefined;

  $('form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const running = $<HTMLButtonElement>('run');
    running.disabled = true;
    $<HTMLButtonElement>('stop').disabled = false;
    $('summary').hidden = true;
    say('status', '');
    evaluate(engine, settings(), bars.listen())
      .then((r) => {
        results = r;
        summarize(r);
      })
      .catch((e: Error) => (e.name === 'StageStopped' ? say('status', e.message) : showError(e.message)))
      .finally(() => {
        running.disabled = false;
        $<HTMLButtonElement>('stop').disabled = true;
      });
  });
  $('stop').addEventListener('click', () => {
    $<HTMLButtonElement>('stop').disabled = true;
    say('status', 'stopping after the current batch of samples...');
    void engine.stop();
  });
  $('download').addEventListener('click', async () => {
    const bytes = await engine.readFile(OUT);
    if (!bytes || !results) return showError(`no results in the store at ${OUT}: evaluate first`);
    const name = `eval-${results.checkpoint.modelSha256.slice(0, 12)}-${results.created.replace(/[:.]/g, '-')}.json`;
    download(name, bytes, 'application/json');
  });

  async function evaluate(
    engine: RemoteEngine,
    overrides: Record<string, unknown>,
    onProgress: ReturnType<typeof bars.listen>,
  ): Promise<EvalResults> {
    say('status', 'copying the checkpoint into the browser...');
    const dir = await stageCheckpoint(engine, manifest.checkpoint);
    const info = await engine.inspect(dir);
    const c = info.config;
    say(
      'checkpoint',
      `checkpoint ${info.dir}: ${c.num_hidden_layers} layers of width ${c.hidden_size}, vocabulary ${c.vocab_size}` +
        `${info.step === null ? '' : `, step ${info.step}`}; model.safetensors sha256 ${info.modelSha256.slice(0, 16)}...`,
    );
    const device = await engine.device();
    say('device', `GPU: ${device.adapter} (${device.kind})`);
    say('status', 'evaluating...');
    const log = (m: string) => say('status', m);
    const r = await engine.evaluate(
      { checkpoint: dir, settings: overrides },
      OUT,
      ...callbacks({ progress: onProgress, log }),
    );
    say('status', `done: ${r.timing.samples} samples in ${r.timing.seconds.toFixed(1)} s`);
    return r;
  }
});

/** Inputs for the chosen settings under a preset select; returns a reader of the settings they give. */
function settingsForm(parent: HTMLElement): () => Record<string, unknown> {
  const presets = STAGES.eval.presets as Record<string, Record<string, unknown>>;
  const select = document.createElement('select');
  select.id = 'preset';
  for (const name of Object.keys(presets)) select.add(new Option(name, name, false, name === DEFAULT_PRESET));
  const label = document.createElement('label');
  label.append('preset ', select);
  parent.append(label);
  const inputs = KEYS.map((key) => {
    const input = document.createElement('input');
    input.id = `set-${key}`;
    input.size = key === 'ops' ? 10 : 6;
    input.title = EVAL_SCHEMA.fields[key].doc;
    const l = document.createElement('label');
    l.append(`${key} `, input);
    parent.append(l);
    return input;
  });
  const fill = () =>
    KEYS.forEach((key, i) => {
      const f = EVAL_SCHEMA.fields[key];
      inputs[i].value = showValue(f, presets[select.value][key] ?? f.default);
    });
  select.addEventListener('change', fill);
  fill();
  // The engine validates the whole (preset and overrides) and names every bad key.
  return () => ({
    preset: select.value,
    ...Object.fromEntries(KEYS.map((key, i) => [key, parseText(key, EVAL_SCHEMA.fields[key], inputs[i].value)])),
  });
}

/** A file of the chosen checkpoint: its path inside the checkpoint (or run) folder and its bytes. */
type Staged = [path: string, data: Uint8Array];

/** Copies the chosen checkpoint into the engine's store (replacing an earlier copy) and returns its path. */
async function stageCheckpoint(engine: RemoteEngine, site: { dir: string; files: string[] } | null): Promise<string> {
  const source = (document.querySelector('input[name=source]:checked') as HTMLInputElement).value;
  let files: Staged[];
  if (source === 'site' && site) files = await fetchFolder(site.dir, site.files);
  else if (source === 'url') {
    const url = $<HTMLInputElement>('url').value.trim();
    if (!url) throw new Error('give the URL of a checkpoint folder (the one holding config.json)');
    files = await fetchFolder(url.endsWith('/') ? url : url + '/');
  } else files = await localFiles();
  const dir = joinPath(STAGED, source);
  await engine.remove(dir);
  for (const [path, data] of files) await engine.writeFile(joinPath(dir, path), data);
  return dir;
}

/** The checkpoint files of a folder at `base` (a URL ending in '/'): `names`, else those it holds. */
async function fetchFolder(base: string, names?: string[]): Promise<Staged[]> {
  const get = async (name: string): Promise<Uint8Array | undefined> => {
    const url = new URL(name, new URL(base, location.href));
    let res: Response;
    try {
      res = await fetch(url);
    } catch (e) {
      throw new Error(`cannot fetch ${url} (${(e as Error).message}); is the server up, and does it allow CORS?`);
    }
    if (res.status === 404) return undefined;
    if (!res.ok) throw new Error(`cannot fetch ${url}: ${res.status} ${res.statusText}`);
    return new Uint8Array(await res.arrayBuffer());
  };
  // The site's manifest names its files; elsewhere, ours list theirs (and sha256) in trainer_state.json,
  // and a model made elsewhere has the three.
  const sidecar = names ? undefined : await get('trainer_state.json');
  const listed = sidecar && filesListed(sidecar);
  const wanted = names ?? (listed ? [...listed, 'trainer_state.json'] : MODEL_FILES);
  const files: Staged[] = [];
  for (const name of wanted) {
    const data = name === 'trainer_state.json' && sidecar ? sidecar : await get(name);
    if (data) files.push([name, data]);
  }
  return files;
}

/** The file names a trainer_state.json lists, or undefined when it lists none (the loader says why). */
function filesListed(sidecar: Uint8Array): string[] | undefined {
  try {
    const files = (JSON.parse(new TextDecoder().decode(sidecar)) as { files?: unknown }).files;
    return files && typeof files === 'object' ? Object.keys(files) : undefined;
  } catch {
    return undefined;
  }
}

/** The files chosen on this computer: a folder's by path inside it, loose files by name. */
async function localFiles(): Promise<Staged[]> {
  const folder = Array.from($<HTMLInputElement>('folder').files ?? []);
  const loose = Array.from($<HTMLInputElement>('files').files ?? []);
  if (!folder.length && !loose.length)
    throw new Error("choose a checkpoint's files (config.json, model.safetensors, tokenizer.json, ...) or its folder");
  const inFolder = (f: File) => f.webkitRelativePath.split('/').slice(1).join('/');
  const chosen: [string, File][] = folder.length ? folder.map((f) => [inFolder(f), f]) : loose.map((f) => [f.name, f]);
  return Promise.all(chosen.map(async ([p, f]) => [p, new Uint8Array(await f.arrayBuffer())] as Staged));
}

/** The results by group (all, split, op): problems, samples, pass@1 and pass@n both ways. */
function summarize(r: EvalResults): void {
  const k1 = String(r.ks[0]);
  const kn = String(r.ks.at(-1));
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const head = ['group', 'problems', 'samples', `pass@${k1}`, `pass@${k1} process`, `pass@${kn}`, `pass@${kn} process`];
  const rows: string[][] = [];
  const add = (name: string, g: EvalResults['aggregates']['all']) =>
    rows.push([
      name,
      String(g.problems),
      String(g.samples),
      pct(g.passOutcome[k1]),
      pct(g.passProcess[k1]),
      pct(g.passOutcome[kn]),
      pct(g.passProcess[kn]),
    ]);
  add('all', r.aggregates.all);
  for (const [name, g] of Object.entries(r.aggregates.splits)) add(name, g);
  for (const [name, g] of Object.entries(r.aggregates.ops)) add(`op ${name}`, g);
  const table = $<HTMLTableElement>('table');
  table.replaceChildren();
  const tr = (cells: string[], tag: 'th' | 'td') => {
    const row = table.insertRow();
    for (const c of cells) row.append(Object.assign(document.createElement(tag), { textContent: c }));
  };
  tr(head, 'th');
  for (const row of rows) tr(row, 'td');
  $('summary').hidden = false;
}
