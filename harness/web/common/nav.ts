// The header every page shows: the site's pages, the current one marked. Links are relative, so the
// site works from any folder of any static host.

/** Every page of the site: file name (harness/web/pages/NAME.html) and title. */
export const PAGES = [
  { name: 'index', title: 'Home' },
  { name: 'results', title: 'Results' },
  { name: 'samples', title: 'Samples' },
  { name: 'evaluate', title: 'Evaluate here' },
  { name: 'train', title: 'Train here' },
  { name: 'reproducibility', title: 'Reproducibility' },
] as const;

export type PageName = (typeof PAGES)[number]['name'];

/** Puts the header at the top of the body and sets the document title. */
export function mountNav(current: PageName): void {
  const header = document.createElement('header');
  const nav = document.createElement('nav');
  for (const p of PAGES) {
    const a = document.createElement('a');
    a.href = `./${p.name}.html`;
    a.textContent = p.title;
    if (p.name === current) a.setAttribute('aria-current', 'page');
    nav.append(a);
  }
  const brand = document.createElement('strong');
  brand.textContent = 'reasoning engine';
  header.append(brand, nav);
  document.body.prepend(header);
  const title = PAGES.find((p) => p.name === current)?.title;
  document.title = `${title} · reasoning engine`;
}
