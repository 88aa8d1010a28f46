// A line chart as SVG text, for the study reports: categorical x (k = 1, 2, 4, ... or B's shares or β,
// evenly spaced), y a rate in [0, 1], one line per series. Observable Plot needs a DOM to render,
// which Node has not without another package; this is the little a report needs.

export interface Series {
  name: string;
  /** One value per x label; null leaves a gap. */
  values: (number | null)[];
}

export interface Chart {
  title: string;
  xTitle: string;
  yTitle: string;
  x: string[];
  series: Series[];
}

const COLORS = ['#4269d0', '#efb118', '#ff725c', '#6cc5b0', '#3ca951', '#ff8ab7', '#a463f2', '#97bbf5'];
const W = 520,
  H = 300,
  L = 52,
  R = 150,
  T = 30,
  B = 44;

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function lineChart(c: Chart): string {
  const px = (i: number) => L + (c.x.length > 1 ? (i * (W - L - R)) / (c.x.length - 1) : (W - L - R) / 2);
  const py = (v: number) => T + (1 - v) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="11">`,
    `<text x="${L}" y="16" font-size="13">${esc(c.title)}</text>`,
  ];
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    out.push(`<line x1="${L}" x2="${W - R}" y1="${py(v)}" y2="${py(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${py(v) + 4}" text-anchor="end">${v}</text>`);
  }
  c.x.forEach((label, i) => out.push(`<text x="${px(i)}" y="${H - B + 16}" text-anchor="middle">${esc(label)}</text>`));
  out.push(`<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(c.xTitle)}</text>`);
  out.push(
    `<text transform="translate(14 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(c.yTitle)}</text>`,
  );
  c.series.forEach((s, j) => {
    const color = COLORS[j % COLORS.length];
    // A gap (null) ends one polyline and the next value starts another.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        out.push(`<polyline fill="none" stroke="${color}" stroke-width="2" points="${run.join(' ')}"/>`);
      run = [];
    };
    s.values.forEach((v, i) => {
      if (v === null) return flush();
      run.push(`${px(i).toFixed(1)},${py(v).toFixed(1)}`);
      out.push(`<circle cx="${px(i).toFixed(1)}" cy="${py(v).toFixed(1)}" r="3" fill="${color}"/>`);
    });
    flush();
    const ly = T + 14 * j;
    out.push(`<rect x="${W - R + 12}" y="${ly - 8}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${W - R + 26}" y="${ly + 1}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
