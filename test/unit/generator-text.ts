// Independent readers of GSM-Infinite text for the generator tests: they parse the problem, the
// question and the solution from the words alone (never from the generator's internals), so the
// same code checks genuine samples and our own problems.

export interface Fact {
  /** "adult owl in South Zoo" or "total number of adult animals in South Zoo" */
  name: string;
  /** the sentence's kind, e.g. "const", "ref", "plus-sum", "times-diff" */
  form: string;
  constant?: number;
  refs: string[];
  unknown: boolean;
}

const REF = /^the (number of (.+)|total number of .+)$/;

function refName(text: string): string {
  const m = REF.exec(text);
  if (!m) throw new Error(`not a quantity: '${text}'`);
  return m[2] ?? text.slice('the '.length);
}

/** Parses one fact sentence (without its period); throws on any shape GSM-Infinite does not write. */
export function parseFact(sentence: string): Fact {
  const head =
    /^The (?:number of (.+?)|(total number of .+?)) (equals (.+)|exists, and its number is greater than 0)$/.exec(
      sentence,
    );
  if (!head) throw new Error(`unknown sentence shape: '${sentence}'`);
  const name = head[1] ?? head[2];
  if (head[4] === undefined) return { name, form: 'unknown', refs: [], unknown: true };
  let rhs = head[4];
  if (/^\d+$/.test(rhs)) return { name, form: 'const', constant: Number(rhs), refs: [], unknown: false };
  let prefix = '';
  let constant: number | undefined;
  const c = /^(\d+) (plus|times) (.+)$/.exec(rhs);
  if (c) {
    constant = Number(c[1]);
    prefix = c[2] + '-';
    rhs = c[3];
  }
  let m: RegExpExecArray | null;
  let form: string;
  let refs: string[];
  if ((m = /^the sum of (.+), and (.+)$/.exec(rhs))) {
    form = 'sumN';
    refs = [...m[1].split(', '), m[2]].map(refName);
  } else if ((m = /^the sum of (.+) and (.+)$/.exec(rhs))) {
    form = 'sum2';
    refs = [m[1], m[2]].map(refName);
  } else if ((m = /^the difference between (.+) and (.+)$/.exec(rhs))) {
    form = 'diff';
    refs = [m[1], m[2]].map(refName);
  } else {
    form = 'ref';
    refs = [refName(rhs)];
  }
  if (prefix && form === 'sumN') form = 'sum';
  if (prefix && form === 'sum2') form = 'sum';
  return { name, form: prefix + form, constant, refs, unknown: false };
}

export function splitSentences(problem: string): string[] {
  if (!problem.endsWith('. ')) throw new Error('a problem ends with ". "');
  return problem.slice(0, -2).split(/\. (?=The )/);
}

function placeOf(name: string): string {
  const at = name.lastIndexOf(' in ');
  if (at < 0) throw new Error(`no place in '${name}'`);
  return name.slice(at + 4);
}

/**
 * Values of every quantity the problem states or implies: an aggregate is the sum of the
 * quantities stated for its place. In reverse mode the unknown takes `unknownValue`. With `strict`,
 * every fact is evaluated up front: repeated facts about one quantity must agree and no fact may
 * depend on itself (the genuine generator sometimes lets a distractor depend on its own place's
 * total, so genuine problems are read lazily, only as far as the solution needs).
 */
export function evaluateProblem(
  problem: string,
  unknownValue?: number,
  strict = true,
): { values: Map<string, number>; facts: Fact[]; valueOf: (name: string) => number } {
  const facts = splitSentences(problem).map(parseFact);
  const byName = new Map<string, Fact[]>();
  for (const f of facts) byName.set(f.name, [...(byName.get(f.name) ?? []), f]);
  const instances = [...byName.keys()].filter((n) => !n.startsWith('total number of '));
  const values = new Map<string, number>();
  const busy = new Set<string>();
  const valueOf = (name: string): number => {
    const known = values.get(name);
    if (known !== undefined) return known;
    if (busy.has(name)) throw new Error(`cycle through '${name}'`);
    busy.add(name);
    let v: number;
    if (name.startsWith('total number of ')) {
      const place = placeOf(name);
      const members = instances.filter((n) => placeOf(n) === place);
      if (!members.length) throw new Error(`aggregate '${name}' over nothing`);
      v = members.reduce((s, n) => s + valueOf(n), 0);
    } else {
      const defs = byName.get(name);
      if (!defs) throw new Error(`'${name}' is used but never stated`);
      // A quantity may be stated twice in reverse mode (its definition and the given value).
      const def = defs.find((f) => f.form !== 'const') ?? defs[0];
      v = factValue(def, valueOf, unknownValue);
    }
    busy.delete(name);
    values.set(name, v);
    return v;
  };
  for (const f of strict ? facts : []) {
    const v = valueOf(f.name);
    if (!f.unknown && factValue(f, valueOf, unknownValue) !== v) throw new Error(`facts about '${f.name}' disagree`);
  }
  return { values, facts, valueOf };
}

function factValue(f: Fact, valueOf: (n: string) => number, unknownValue?: number): number {
  if (f.unknown) {
    if (unknownValue === undefined) throw new Error('an unknown quantity in a forward problem');
    return unknownValue;
  }
  if (f.form === 'const') return f.constant!;
  const vals = f.refs.map(valueOf);
  const base = f.form.endsWith('diff') ? vals[0] - vals[1] : vals.reduce((s, x) => s + x, 0);
  if (f.form.startsWith('plus-')) return f.constant! + base;
  if (f.form.startsWith('times-')) return f.constant! * base;
  return base;
}

/** The quantity a question asks about. */
export function questionName(question: string): string {
  let m = /^How many (.+) does (.+) have\?$/.exec(question);
  if (m) return `${m[1]} in ${m[2]}`;
  m = /^What is the (total number of .+)\?$/.exec(question);
  if (m) return m[1];
  throw new Error(`unknown question shape: '${question}'`);
}

export interface Clause {
  name: string;
  letter: string;
  /** assignments in order: [letter, letter expression, later sides...] */
  steps: string[][];
  unknown: boolean;
}

const LEAD = 'The question is difficult, so we use equations to solve it. ';

/** Splits a solution into its Define clauses, the reverse-mode equation tail and the answer. */
export function parseSolution(solution: string): { reverse: boolean; clauses: Clause[]; tail: string; answer: number } {
  const reverse = solution.startsWith(LEAD);
  const body = reverse ? solution.slice(LEAD.length) : solution;
  const end = /^(.*?)( We know .*)? Answer: (\d+)\.$/.exec(body);
  if (!end) throw new Error('a solution ends with "Answer: N."');
  const clauses = end[1].split(/ (?=Define )/).map((text) => {
    const m = /^Define (.+) as ([A-Za-z]); (.*)\.$/.exec(text);
    if (!m) throw new Error(`unknown clause shape: '${text}'`);
    if (m[3] === "we don't know its value yet but will find it out later")
      return { name: m[1], letter: m[2], steps: [], unknown: true };
    const parts = m[3].split('; ');
    if (!parts[parts.length - 1].startsWith('so ')) throw new Error(`a clause ends with "so ...": '${text}'`);
    parts[parts.length - 1] = parts[parts.length - 1].slice(3);
    const steps = parts.map((p) => p.split(' = '));
    if (steps[steps.length - 1][0] !== m[2]) throw new Error(`the clause's last step must set ${m[2]}: '${text}'`);
    return { name: m[1], letter: m[2], steps, unknown: false };
  });
  return { reverse, clauses, tail: end[2] ?? '', answer: Number(end[3]) };
}

/**
 * The op count read from the solution text alone: every operand of a clause's letter expressions
 * (a quantity's letter, or a constant) is one operation, except the clause's own scratch letters,
 * which only pass a value along; the unknown x of reverse mode counts one, like a constant.
 */
export function recountOps(solution: string): number {
  let ops = 0;
  for (const c of parseSolution(solution).clauses) {
    if (c.unknown) {
      ops += 1;
      continue;
    }
    const scratch = new Set(c.steps.slice(0, -1).map((s) => s[0]));
    for (const s of c.steps) {
      const operands = s[1].split(/ [-+*] /);
      ops += operands.filter((o) => !scratch.has(o)).length;
    }
  }
  return ops;
}

/** Evaluates an arithmetic expression in integers and x: "(4) * (2*x + 3)", "x + 2 + 2", "5 - x". */
export function evalExpr(text: string, x: number): number {
  const toks = text.match(/\d+|[A-Za-z]|[-+*()]/g) ?? [];
  if (toks.join('') !== text.replace(/ /g, '')) throw new Error(`bad expression '${text}'`);
  let i = 0;
  const atom = (): number => {
    const t = toks[i++];
    if (t === '(') {
      const v = sum();
      if (toks[i++] !== ')') throw new Error(`unbalanced '${text}'`);
      return v;
    }
    if (t === '-') return -atom();
    if (t === 'x') return x;
    if (t !== undefined && /^\d+$/.test(t)) return Number(t);
    throw new Error(`unexpected '${t}' in '${text}'`);
  };
  const product = (): number => {
    let v = atom();
    while (toks[i] === '*') {
      i++;
      v *= atom();
    }
    return v;
  };
  const sum = (): number => {
    let v = product();
    while (toks[i] === '+' || toks[i] === '-') v = toks[i++] === '+' ? v + product() : v - product();
    return v;
  };
  const v = sum();
  if (i !== toks.length) throw new Error(`trailing tokens in '${text}'`);
  return v;
}

/**
 * Checks every step of a solution: each side of each assignment has the same value (x set to the
 * answer in reverse mode), letters are bound before use, and every defined quantity's value is
 * the one the problem's facts give. Returns the values by letter.
 */
export function checkSolution(solution: string, valueOf: (name: string) => number): Map<string, number> {
  const { reverse, clauses, answer } = parseSolution(solution);
  const x = reverse ? answer : NaN;
  const byLetter = new Map<string, number>();
  const subst = (expr: string): string =>
    expr.replace(/\b[A-Za-z]\b/g, (l) => {
      if (l === 'x' && reverse) return 'x';
      const v = byLetter.get(l);
      if (v === undefined) throw new Error(`letter ${l} used before it is set`);
      return `(${v})`;
    });
  for (const c of clauses) {
    if (byLetter.has(c.letter) || (reverse && c.letter === 'x' && !c.unknown))
      throw new Error(`letter ${c.letter} reused`);
    if (c.unknown) byLetter.set('x', answer);
    for (const s of c.steps) {
      if (byLetter.has(s[0])) throw new Error(`letter ${s[0]} reused`);
      const want = evalExpr(subst(s[1]), x);
      for (const side of s.slice(2))
        if (evalExpr(side, x) !== want) throw new Error(`'${s.join(' = ')}' does not hold`);
      byLetter.set(s[0], want);
    }
    const v = byLetter.get(c.letter)!;
    if (valueOf(c.name) !== v)
      throw new Error(`${c.name} is ${valueOf(c.name)} in the problem but ${v} in the solution`);
  }
  return byLetter;
}
