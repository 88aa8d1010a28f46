// A dependency graph (ts/data/verdict-graph.ts) drawn as SVG: dagre lays it out (ranks top to bottom,
// a step below what it reads); each node a box with its name, letter and value, classed and
// data-marked by what the verifier found wrong (value, dependency, missing, extra), its reasons as
// the tooltip.
import dagre from '@dagrejs/dagre';
import type { Graph, GraphNode } from '../../../ts/data/verdict-graph.js';

const SVG = 'http://www.w3.org/2000/svg';
const CHAR_W = 6.4; // px per character of the 11px label font, roughly
const LINE_H = 14;
const WRAP = 24;

function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  return e;
}

/** A node's text lines: its name wrapped at word boundaries, then "X = value". */
function lines(n: GraphNode): string[] {
  const out: string[] = [];
  for (const word of n.name.split(' ')) {
    const last = out.length - 1;
    if (last >= 0 && out[last].length + 1 + word.length <= WRAP) out[last] += ` ${word}`;
    else out.push(word);
  }
  // An extra step's value is not judged, so not known here: its letter alone.
  if (n.marks.includes('extra')) return n.letter ? [...out, n.letter] : out;
  const value = n.value ?? (n.marks.includes('missing') ? 'not defined' : 'unreadable');
  out.push(n.letter ? `${n.letter} = ${value}` : `= ${value}`);
  return out;
}

/** The graph drawn as an <svg>, or a line saying it is empty. */
export function drawGraph(g: Graph, label: string): Element {
  if (!g.nodes.length) {
    const p = document.createElement('p');
    p.className = 'note';
    p.textContent = `${label}: no steps`;
    return p;
  }
  const layout = new dagre.graphlib.Graph();
  layout.setGraph({ rankdir: 'TB', nodesep: 14, ranksep: 28, marginx: 6, marginy: 6 });
  layout.setDefaultEdgeLabel(() => ({}));
  const text = new Map(g.nodes.map((n) => [n.id, lines(n)]));
  for (const n of g.nodes) {
    const t = text.get(n.id)!;
    layout.setNode(n.id, { width: Math.max(...t.map((l) => l.length)) * CHAR_W + 14, height: t.length * LINE_H + 8 });
  }
  for (const [from, to] of g.edges) layout.setEdge(from, to);
  dagre.layout(layout);
  const { width = 0, height = 0 } = layout.graph();
  const root = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'dag', role: 'img' });
  root.setAttribute('aria-label', label);
  const arrow = `arrow-${label.replace(/\W+/g, '-')}`;
  const defs = svg('defs', {});
  const marker = svg('marker', { id: arrow, viewBox: '0 0 8 8', refX: 8, refY: 4, markerWidth: 7, markerHeight: 7 });
  marker.setAttribute('orient', 'auto');
  marker.append(svg('path', { d: 'M0,0L8,4L0,8z', class: 'arrow' }));
  defs.append(marker);
  root.append(defs);
  for (const e of layout.edges()) {
    const pts: { x: number; y: number }[] = layout.edge(e).points ?? [];
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join('');
    root.append(svg('path', { d, class: 'edge', 'marker-end': `url(#${arrow})`, 'data-from': e.v, 'data-to': e.w }));
  }
  for (const n of g.nodes) {
    const box = layout.node(n.id);
    const w = box.width,
      h = box.height;
    const x = (box.x ?? 0) - w / 2,
      y = (box.y ?? 0) - h / 2;
    const node = svg('g', {
      class: `node ${n.marks.join(' ')}`,
      'data-id': n.id,
      'data-mark': n.marks.join(' ') || 'ok',
    });
    const title = svg('title', {});
    title.textContent = [n.name, ...n.marks.map((m, i) => `${m}: ${n.why[i] ?? ''}`)].join('\n');
    node.append(title, svg('rect', { x, y, width: w, height: h, rx: 4 }));
    text.get(n.id)!.forEach((line, i) => {
      const t = svg('text', { x: x + 7, y: y + 4 + LINE_H * (i + 0.8) });
      t.textContent = line;
      node.append(t);
    });
    root.append(node);
  }
  return root;
}
