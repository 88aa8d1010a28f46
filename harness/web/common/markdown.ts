// The reports the CLI writes as markdown (`repro compare`: ts/repro/compare-protocol.ts, compare.ts)
// shown on a page as they are, so the page and the CLI say the same thing from the same code: the
// subset those reports use (headings, lists, tables with their column alignment, paragraphs,
// **bold** and `code`), built with DOM nodes and text, never as HTML source.

/** `**bold**` and `` `code` `` of one line as nodes. */
function inline(text: string): Node[] {
  return text.split(/(\*\*[^*]+\*\*|`[^`]+`)/).flatMap((part): Node[] => {
    if (!part) return [];
    const tag = part.startsWith('**') ? 'strong' : part.startsWith('`') ? 'code' : undefined;
    if (!tag) return [document.createTextNode(part)];
    const el = document.createElement(tag);
    el.textContent = part.slice(tag === 'strong' ? 2 : 1, tag === 'strong' ? -2 : -1);
    return [el];
  });
}

const cells = (row: string) =>
  row
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim());

/** A markdown table (header, separator, rows) with the separator's right alignments. */
function table(lines: string[]): HTMLTableElement {
  const right = cells(lines[1]).map((c) => c.endsWith(':'));
  const t = document.createElement('table');
  const row = (line: string, tag: 'th' | 'td') => {
    const tr = document.createElement('tr');
    cells(line).forEach((c, i) => {
      const cell = document.createElement(tag);
      if (right[i]) cell.className = 'num';
      cell.append(...inline(c));
      tr.append(cell);
    });
    return tr;
  };
  t.createTHead().append(row(lines[0], 'th'));
  t.createTBody().append(...lines.slice(2).map((l) => row(l, 'td')));
  return t;
}

/** The markdown of a report as elements: blocks are runs of lines of one kind. */
export function renderMarkdown(markdown: string): HTMLElement {
  const root = document.createElement('div');
  root.className = 'report';
  const kind = (l: string) =>
    !l.trim() ? 'blank' : l.startsWith('#') ? 'h' : l.startsWith('- ') ? 'li' : l.startsWith('|') ? 'table' : 'p';
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length;) {
    const k = kind(lines[i]);
    let j = i + 1;
    while (j < lines.length && k !== 'h' && kind(lines[j]) === k) j++;
    const block = lines.slice(i, j);
    i = j;
    if (k === 'h') {
      const h = document.createElement('h3');
      h.append(...inline(block[0].replace(/^#+\s*/, '')));
      root.append(h);
    } else if (k === 'li') {
      const ul = document.createElement('ul');
      for (const l of block) {
        const li = document.createElement('li');
        li.append(...inline(l.slice(2)));
        ul.append(li);
      }
      root.append(ul);
    } else if (k === 'table') root.append(table(block));
    else if (k === 'p') {
      // Each line of the reports is a statement of its own: kept on its own line.
      const p = document.createElement('p');
      block.forEach((l, n) => p.append(...(n ? [document.createElement('br')] : []), ...inline(l)));
      root.append(p);
    }
  }
  return root;
}
