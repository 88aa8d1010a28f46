// "Reproducibility": the protocol of `repro run` on the visitor's GPU (in the engine's worker), its
// fingerprint compared with every reference fingerprint the site carries, and any fingerprint files
// compared with each other. The reports are those of `repro compare` (ts/repro/compare-files.ts),
// shown from their markdown; a reference made with another protocol, or another version of it, is
// said to be not comparable rather than different.
import { compareFingerprints, fingerprintOf, type Fingerprint } from '../../../ts/repro/compare-files.js';
import type { ProtocolFingerprint } from '../../../ts/repro/protocol.js';
import { parseJson } from '../../../ts/util/json.js';
import { fetchText, loadManifest, type SiteManifest } from '../common/data.js';
import { callbacks, download, openEngine, webGpuProblem } from '../common/engine-client.js';
import { runPage, showError } from '../common/error.js';
import { renderMarkdown } from '../common/markdown.js';
import { mountNav } from '../common/nav.js';
import { progressView } from '../common/progress.js';

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const say = (id: string, text: string) => void ($(id).textContent = text);
const el = (tag: string, text?: string) =>
  Object.assign(document.createElement(tag), text ? { textContent: text } : {});

/** A protocol fingerprint's protocol, as a reader names it. */
const protocolName = (p: ProtocolFingerprint['protocol']) =>
  `protocol ${p.name} version ${p.version} (sha256 ${p.sha256.slice(0, 12)}...)`;

/**
 * The comparison of `b` with `a`, as `repro compare a b` reports it, in an element whose data-verdict
 * says identical, differs or incomparable (protocol fingerprints of different protocols), data-a and
 * data-b the labels.
 */
function comparisonView(a: Fingerprint, b: Fingerprint, labels: [string, string]): HTMLElement {
  const box = el('article');
  box.className = 'comparison';
  [box.dataset.a, box.dataset.b] = labels;
  const [pa, pb] = [a.value as ProtocolFingerprint, b.value as ProtocolFingerprint];
  if (a.kind === 'protocol' && b.kind === 'protocol' && pa.protocol.sha256 !== pb.protocol.sha256) {
    box.dataset.verdict = 'incomparable';
    box.append(
      el(
        'p',
        `${labels[0]} and ${labels[1]} are not comparable: ${labels[0]} ran ${protocolName(pa.protocol)}, ` +
          `${labels[1]} ran ${protocolName(pb.protocol)}. Another protocol, or another version of it, is another ` +
          'computation: compare fingerprints of the same protocol file (references are regenerated with ' +
          '`npm run repro:references`).',
      ),
    );
    return box;
  }
  const c = compareFingerprints(a, b, labels);
  box.dataset.verdict = c.json.identical ? 'identical' : 'differs';
  box.append(renderMarkdown(c.report));
  return box;
}

/** A fingerprint file's text as a fingerprint, or the one-line error naming the file and the problem. */
const parseFingerprint = (text: string, name: string) => fingerprintOf(parseJson(text, name), name);

mountNav('reproducibility');
runPage(async () => {
  const manifest = await loadManifest();
  wireCompareFiles();
  const refs = manifest.repro.fingerprints;
  say(
    'references-note',
    refs.length
      ? 'The references:'
      : 'This site carries no reference fingerprints: your fingerprint can still be downloaded and compared.',
  );
  for (const r of refs) {
    const li = el('li', `${r.name}: ${r.adapter}, protocol ${r.protocol.name} version ${r.protocol.version}`);
    li.dataset.name = r.name;
    $('references').append(li);
  }
  const select = $<HTMLSelectElement>('protocol');
  for (const p of manifest.repro.protocols) select.add(new Option(p.name, p.file));
  if (!manifest.repro.protocols.length) return showError('this site carries no protocol: rebuild it with npm run site');
  const problem = await webGpuProblem();
  if (problem) return showError(problem);
  wireRun(manifest);
  $<HTMLButtonElement>('run').disabled = false;
});

/** "Run the protocol here": the run in the worker, then a comparison with each reference. */
function wireRun(manifest: SiteManifest): void {
  const engine = openEngine();
  const bars = progressView($('progress'));
  const run = $<HTMLButtonElement>('run');
  const select = $<HTMLSelectElement>('protocol');
  let mine: ProtocolFingerprint | undefined;
  run.addEventListener('click', async () => {
    run.disabled = select.disabled = true;
    $('download').hidden = true;
    $('results').replaceChildren();
    say('status', 'running the protocol...');
    try {
      const file = select.value;
      const text = await fetchText(file);
      const running = engine.reproRun(
        text,
        file,
        ...callbacks({ progress: bars.listen(), log: (m) => say('status', m) }),
      );
      void engine.device().then(
        (d) => say('device', `GPU: ${d.adapter} (${d.kind})`),
        () => {},
      );
      mine = await running;
      say('status', `done: ${mine.steps.length} steps, ${mine.checkpoints.length} checkpoints fingerprinted.`);
      $('download').hidden = false;
      const you: Fingerprint = { kind: 'protocol', value: mine };
      for (const ref of manifest.repro.fingerprints) {
        const reference = parseFingerprint(await fetchText(ref.file), ref.name);
        $('results').append(comparisonView(reference, you, [ref.name, 'this GPU']));
      }
    } catch (e) {
      showError((e as Error).message);
    } finally {
      run.disabled = select.disabled = false;
    }
  });
  $('download').addEventListener('click', () => {
    if (!mine) return;
    const name = `${mine.protocol.name}-${mine.adapter.kind || 'gpu'}.json`;
    // As `repro run --out` writes it.
    download(name, JSON.stringify(mine, null, 1) + '\n', 'application/json');
  });
}

/** "Compare files": two or more files, opened or dropped, each after the first compared with the first. */
function wireCompareFiles(): void {
  const show = async (files: File[]) => {
    const out = $('compared');
    out.replaceChildren();
    if (files.length < 2) return showError('compare needs two fingerprint files or more: open them together');
    try {
      const [first, ...rest] = await Promise.all(files.map(async (f) => parseFingerprint(await f.text(), f.name)));
      rest.forEach((b, i) => out.append(comparisonView(first, b, [files[0].name, files[i + 1].name])));
    } catch (e) {
      showError((e as Error).message);
    }
  };
  const input = $<HTMLInputElement>('files');
  input.addEventListener('change', () => void show(Array.from(input.files ?? [])));
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => {
    e.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void show(Array.from(e.dataTransfer?.files ?? []));
  });
}
