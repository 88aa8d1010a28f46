// The site's data as the pages read it: data/index.json (written by harness/site/build.ts) lists the
// results, samples and metrics files and the checkpoint, by URL relative to the page.

export const MANIFEST_FORMAT = 'reasoning-engine-site/1';

/** One file of the site's data: its kind, a name to show (source folder / path) and its relative URL. */
export interface DataEntry {
  kind: 'eval' | 'calibration' | 'samples' | 'metrics';
  name: string;
  file: string;
}

/** A reference fingerprint of the site (`repro run` on a known adapter): what it ran, and where. */
export interface ReferenceEntry {
  name: string;
  file: string;
  protocol: { name: string; version: number; sha256: string };
  adapter: string;
}

/** data/index.json. */
export interface SiteManifest {
  format: typeof MANIFEST_FORMAT;
  created: string;
  data: DataEntry[];
  /** The checkpoint folder (relative URL ending in '/') and its files, when the site carries one. */
  checkpoint: { dir: string; files: string[]; bytes: number } | null;
  /** The reproducibility protocols (their files verbatim: the sha256 of the bytes is their identity) and references. */
  repro: { protocols: { name: string; file: string }[]; fingerprints: ReferenceEntry[] };
}

export async function fetchText(url: string): Promise<string> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`cannot load ${url}: ${res.status} ${res.statusText}`);
  return res.text();
}

export async function fetchJson<T>(url: string): Promise<T> {
  const text = await fetchText(url);
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`${url} is not valid JSON`);
  }
}

/** The lines of a JSON lines file, parsed (blank lines skipped). */
export async function fetchJsonl<T>(url: string): Promise<T[]> {
  const lines = (await fetchText(url)).split('\n').filter((l) => l.trim());
  return lines.map((l, i) => {
    try {
      return JSON.parse(l) as T;
    } catch {
      throw new Error(`${url}: line ${i + 1} is not valid JSON`);
    }
  });
}

/** The site's manifest; a site built without results has an empty list. */
export async function loadManifest(): Promise<SiteManifest> {
  const m = await fetchJson<SiteManifest>('./data/index.json');
  if (m.format !== MANIFEST_FORMAT)
    throw new Error(`data/index.json is not a ${MANIFEST_FORMAT} manifest: rebuild the site with npm run site`);
  return m;
}
