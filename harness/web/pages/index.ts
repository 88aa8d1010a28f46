// The landing page: the header and what data the site carries.
import { loadManifest } from '../common/data.js';
import { runPage } from '../common/error.js';
import { mountNav } from '../common/nav.js';

mountNav('index');
runPage(async () => {
  const m = await loadManifest();
  const count = (kind: string) => m.data.filter((d) => d.kind === kind).length;
  const ckpt = m.checkpoint ? `a checkpoint (${(m.checkpoint.bytes / 1e6).toFixed(1)} MB)` : 'no checkpoint';
  document.getElementById('contents')!.textContent =
    `This site carries ${count('eval')} evaluation results, ${count('samples')} samples files, ` +
    `${count('metrics')} training logs and ${ckpt}; built ${m.created}.`;
});
