// One place for what went wrong: a banner at the top of the page (below the header), one per
// message, and the message in the console for whoever debugs.

/** Shows `msg` in the page's error banner. */
export function showError(msg: string): void {
  let box = document.getElementById('errors');
  if (!box) {
    box = document.createElement('div');
    box.id = 'errors';
    box.setAttribute('role', 'alert');
    document.querySelector('header')?.after(box) ?? document.body.prepend(box);
  }
  const p = document.createElement('p');
  p.className = 'error';
  p.textContent = msg;
  box.append(p);
  console.warn(msg);
}

/** Runs a page's async main, any failure shown as a banner. */
export function runPage(main: () => Promise<void>): void {
  main().catch((err: unknown) => showError(err instanceof Error ? err.message : String(err)));
}
