// The verifier's verdict as two dependency graphs, for drawing side by side (the site's Samples
// page): the gold solution's and the model output's, each node a parameter, each edge "reads".
// Nodes carry what the verifier found wrong with them and why; the layout is the page's business.
import type { StepIssue, Verdict } from './verifier.js';

/** What is wrong with a node: its value, its dependencies, absent from the output, or not in the gold. */
export type Mark = 'value' | 'dependency' | 'missing' | 'extra';

export interface GraphNode {
  /** Unique within its graph: the parameter's name (an extra step's is prefixed, as it may repeat one). */
  id: string;
  name: string;
  /** The letter the output used for it (null in the gold graph and for a malformed step). */
  letter: string | null;
  value: string | null;
  marks: Mark[];
  /** The verifier's reasons, one per mark. */
  why: string[];
}

export interface Graph {
  nodes: GraphNode[];
  /** [from, to]: node `to` reads node `from`. */
  edges: [string, string][];
}

const MARK: Record<StepIssue, Mark> = {
  value_mismatch: 'value',
  dependency_mismatch: 'dependency',
  missing_node: 'missing',
};

/** The gold graph (every gold step, its mismatches marked) and the output's (its steps, extras marked). */
export function verdictGraphs(v: Pick<Verdict, 'nodes' | 'extras'>): { gold: Graph; output: Graph } {
  const gold: Graph = {
    nodes: v.nodes.map((n) => ({
      id: n.name,
      name: n.name,
      letter: null,
      value: n.expected.value,
      marks: n.issues.map((i) => MARK[i]),
      why: n.why,
    })),
    edges: v.nodes.flatMap((n) => n.expected.dependsOn.map((d): [string, string] => [d, n.name])),
  };
  const defined = v.nodes.filter((n) => n.got);
  const nodes: GraphNode[] = defined.map((n) => ({
    id: n.name,
    name: n.name,
    letter: n.letter,
    value: n.got!.value,
    marks: n.issues.map((i) => MARK[i]),
    why: n.why,
  }));
  const extras = v.extras.map((e, k) => ({ id: `extra ${k + 1}: ${e.name}`, e }));
  for (const { id, e } of extras)
    nodes.push({ id, name: e.name, letter: e.letter, value: null, marks: ['extra'], why: [e.why] });
  // A name read by a step is the gold-matched node of that name, else the first extra step of it.
  const ids = new Map<string, string>();
  for (const { id, e } of [...extras].reverse()) ids.set(e.name, id);
  for (const n of defined) ids.set(n.name, n.name);
  const edges: [string, string][] = [];
  const link = (deps: string[], to: string) => {
    for (const d of deps) if (ids.has(d)) edges.push([ids.get(d)!, to]);
  };
  for (const n of defined) link(n.got!.dependsOn, n.name);
  for (const { id, e } of extras) link(e.dependsOn, id);
  return { gold, output: { nodes, edges } };
}
