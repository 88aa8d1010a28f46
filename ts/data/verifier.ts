// Step-by-step judge of a model's solution against the gold solution (SPEC §5), over the
// AssemblyScript verifier in engine/verify. The wasm parses both texts into dependency graphs keyed
// by parameter name and counts mismatches; this wrapper turns the counts into rewards and, for a
// detailed verdict, explains every step. Nothing here throws: any failure becomes a verdict with a
// non-'ok' status and zero reward.
import { loadEngine, type Engine } from './engine.js';

/** How a verdict becomes a reward (SPEC §5). */
export interface RewardConfig {
  /** w_a: weight of the outcome (answer) reward. */
  outcomeWeight: number;
  /** w_s: weight of the process (step) score. */
  processWeight: number;
  /** Reward 1 only when the answer is right and the process is fully correct, else 0. */
  strict: boolean;
  /** Whether extra steps (parameters the gold does not define) count as mistakes. */
  countExtraNodes: boolean;
}

/**
 * Named reward settings. The study's RL rewards count extra nodes as mistakes while its
 * evaluation allows them (SPEC §8); here each preset says which it does.
 */
export const REWARD_PRESETS = {
  /** Outcome only: 1 for the right answer. */
  outcome: { outcomeWeight: 1, processWeight: 0, strict: false, countExtraNodes: true },
  /** (w_a, w_s) = (0.2, 0.8), the study's process-aware RL reward. */
  process80: { outcomeWeight: 0.2, processWeight: 0.8, strict: false, countExtraNodes: true },
  /** (w_a, w_s) = (0.5, 0.5). */
  process50: { outcomeWeight: 0.5, processWeight: 0.5, strict: false, countExtraNodes: true },
  /** RL strict: 1 only for the right answer with no mismatch at all, extra steps included. */
  strict: { outcomeWeight: 0.2, processWeight: 0.8, strict: true, countExtraNodes: true },
  /** Evaluation's process-verified correctness: strict, but extra steps are allowed (SPEC §6). */
  evaluation: { outcomeWeight: 0.2, processWeight: 0.8, strict: true, countExtraNodes: false },
} as const satisfies Record<string, RewardConfig>;

export type RewardPreset = keyof typeof REWARD_PRESETS;
export const DEFAULT_REWARD: RewardConfig = REWARD_PRESETS.process80;

/** The gold side: a row of the dataset. `answer`, when given, overrides the solution's "Answer: N". */
export interface GoldSolution {
  problem?: string;
  question?: string;
  solution: string;
  answer?: number;
}

export type VerdictStatus = 'ok' | 'too_long' | 'bad_gold' | 'bad_input' | 'bad_config' | 'error';
export type StepIssue = 'value_mismatch' | 'dependency_mismatch' | 'missing_node';
export type ExtraKind = 'not_in_gold' | 'duplicate' | 'malformed';

export interface VerdictCounts {
  goldNodes: number;
  outputSteps: number;
  valueMismatches: number;
  dependencyMismatches: number;
  missing: number;
  extra: number;
  answerMismatch: 0 | 1;
}

/** What RL needs: rewards and counts, without the per-step explanation. */
export interface Score {
  status: VerdictStatus;
  /** Why the status is not 'ok'. */
  message?: string;
  counts: VerdictCounts;
  /** value + dependency mismatches + missing + min(extra, N) (if counted) + answer mismatch. */
  penalty: number;
  outcome: 0 | 1;
  /** max(0, 1 - penalty / N). */
  process: number;
  reward: number;
  /** No value, dependency or answer mismatch and no missing node; extra steps per the config. */
  processCorrect: boolean;
}

export interface StepSide {
  /** A value: an integer, or a linear form of the unknown in reverse mode ("2*x + 2"); null: unreadable. */
  value: string | null;
  /** Parameters the step reads (scratch letters resolved to the named steps behind them). */
  dependsOn: string[];
}

export interface NodeVerdict {
  name: string;
  /** Letter the output used for this parameter; null when missing. */
  letter: string | null;
  fine: boolean;
  issues: StepIssue[];
  /** One sentence per issue. */
  why: string[];
  expected: StepSide;
  got: StepSide | null;
}

export interface ExtraStep {
  name: string;
  letter: string | null;
  kind: ExtraKind;
  why: string;
  /** Parameters the step reads (as for a gold node's output side), so the output's graph has its edges. */
  dependsOn: string[];
}

export interface AnswerVerdict {
  expected: number | null;
  got: number | null;
  source: 'tag' | 'open_tag' | 'answer_line' | 'none';
  correct: boolean;
}

export interface Verdict extends Score {
  /** One entry per gold node, in the gold's order. */
  nodes: NodeVerdict[];
  /** Output steps that match no gold node (at most the first 2,000 output steps are itemized). */
  extras: ExtraStep[];
  answer: AnswerVerdict;
}

// Mirror of engine/verify/layout.ts (checked against the wasm at load).
const H = {
  STATUS: 0,
  GOLD_NODES: 1,
  OUTPUT_STEPS: 2,
  VALUE: 3,
  DEPENDENCY: 4,
  MISSING: 5,
  EXTRA: 6,
  ANSWER_SOURCE: 7,
  ANSWER_PARSED: 8,
  ANSWER_VALUE: 9,
  ANSWER_CORRECT: 10,
  EXPECTED: 11,
  GOLD_ISSUES: 12,
  LISTED: 13,
} as const;
const HEADER = 14;
const STEP_FIXED = 12; // then the inconsistency slots (slot 11 says how many: 0 or 11), then the dependencies
const STATUS_TOO_LONG = 1;
const GOLD_MESSAGES = [
  '',
  'no gold solution was set',
  'the gold solution is too long',
  "the gold solution has no 'Define <name> as <Letter>' step",
  "the gold has no answer: give 'answer' or end the solution with 'Answer: N.'",
];
const ISSUE_VALUE = 1;
const ISSUE_DEPENDENCY = 2;
const ISSUE_MISSING = 4;
const EXTRA_KINDS: (ExtraKind | null)[] = [null, 'not_in_gold', 'duplicate', 'malformed'];
const ANSWER_SOURCES: AnswerVerdict['source'][] = ['none', 'tag', 'open_tag', 'answer_line'];
// Parse flags (engine/verify/graph.ts).
const FLAG_UNKNOWN_LETTER = 1;
const FLAG_BAD_EXPR = 2;
const FLAG_TOO_MANY_DEPS = 4;
const FLAG_SO_LETTER = 8;
const FLAG_NO_SO = 16;
const FLAG_INCONSISTENT = 64;
// Inconsistency kinds (engine/verify/chain.ts).
const ISSUE_CHAIN = 1;
const ISSUE_SUBSTITUTION = 2;
const ISSUE_UNREADABLE = 3;
const ISSUE_EQUATION = 4;
const ISSUE_DIVISOR = 5;
const ISSUE_NO_UNKNOWN = 6;
const ISSUE_CLOSING_UNREADABLE = 7;

/** A clause, or closing equation, that contradicts itself: spans are byte offsets into the output. */
interface Inconsistency {
  kind: number;
  clause: [number, number];
  a: [number, number];
  aValue: string;
  b: [number, number];
  bValue: string;
}

interface StepRecord {
  kind: number;
  nameStart: number;
  nameLen: number;
  letter: number;
  flags: number;
  badLetter: number;
  value: string | null;
  deps: number[];
  inconsistency: Inconsistency | null;
}

interface GoldNode {
  name: string;
  value: string | null;
  deps: number[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A reason the config cannot be used, or null when it is fine. */
export function checkRewardConfig(cfg: RewardConfig): string | null {
  if (typeof cfg !== 'object' || cfg === null) return 'reward config must be an object';
  const { outcomeWeight: wa, processWeight: ws } = cfg;
  if (typeof wa !== 'number' || !Number.isFinite(wa) || wa < 0)
    return 'reward config: outcomeWeight must be a number >= 0';
  if (typeof ws !== 'number' || !Number.isFinite(ws) || ws < 0)
    return 'reward config: processWeight must be a number >= 0';
  if (!cfg.strict && wa + ws <= 0) return 'reward config: outcomeWeight + processWeight must be > 0';
  if (typeof cfg.strict !== 'boolean') return 'reward config: strict must be true or false';
  if (typeof cfg.countExtraNodes !== 'boolean') return 'reward config: countExtraNodes must be true or false';
  return null;
}

const NO_COUNTS: VerdictCounts = {
  goldNodes: 0,
  outputSteps: 0,
  valueMismatches: 0,
  dependencyMismatches: 0,
  missing: 0,
  extra: 0,
  answerMismatch: 1,
};

function failedScore(status: VerdictStatus, message: string): Score {
  return {
    status,
    message,
    counts: { ...NO_COUNTS },
    penalty: 0,
    outcome: 0,
    process: 0,
    reward: 0,
    processCorrect: false,
  };
}

function failedVerdict(status: VerdictStatus, message: string, expected: number | null = null): Verdict {
  return {
    ...failedScore(status, message),
    nodes: [],
    extras: [],
    answer: { expected, got: null, source: 'none', correct: false },
  };
}

/** SPEC §5: penalty, process score and reward from the counts. */
export function scoreFromCounts(counts: VerdictCounts, cfg: RewardConfig): Score {
  const n = counts.goldNodes;
  const extra = cfg.countExtraNodes ? Math.min(counts.extra, n) : 0;
  const penalty = counts.valueMismatches + counts.dependencyMismatches + counts.missing + extra + counts.answerMismatch;
  const process = n > 0 ? Math.max(0, 1 - penalty / n) : 0;
  const outcome: 0 | 1 = counts.answerMismatch ? 0 : 1;
  const processCorrect =
    outcome === 1 &&
    counts.valueMismatches === 0 &&
    counts.dependencyMismatches === 0 &&
    counts.missing === 0 &&
    (!cfg.countExtraNodes || counts.extra === 0);
  let reward = 0;
  if (outcome === 1) {
    reward = cfg.strict
      ? processCorrect
        ? 1
        : 0
      : (cfg.outcomeWeight + cfg.processWeight * process) / (cfg.outcomeWeight + cfg.processWeight);
  }
  return { status: 'ok', counts, penalty, outcome, process, reward, processCorrect };
}

/** a*x + b as the solutions write it. */
export function formatLinear(a: number, b: number): string {
  if (a === 0) return String(b);
  const ax = a === 1 ? 'x' : a === -1 ? '-x' : `${a}*x`;
  return b === 0 ? ax : b > 0 ? `${ax} + ${b}` : `${ax} - ${-b}`;
}

function letterOf(code: number): string {
  return String.fromCharCode(code);
}

/** Reads the step record at slot `at` of `s` (layout.ts); returns it and the slot after it. */
function readStep(s: Float64Array, at: number): [StepRecord, number] {
  const depCount = s[at + 10];
  const issueSlots = s[at + 11];
  const rec: StepRecord = {
    kind: s[at],
    nameStart: s[at + 2],
    nameLen: s[at + 3],
    letter: s[at + 4],
    flags: s[at + 5],
    badLetter: s[at + 6],
    value: s[at + 7] ? formatLinear(s[at + 8], s[at + 9]) : null,
    deps: Array.from(s.subarray(at + STEP_FIXED + issueSlots, at + STEP_FIXED + issueSlots + depCount)),
    inconsistency: issueSlots ? readInconsistency(s, at + STEP_FIXED) : null,
  };
  return [rec, at + STEP_FIXED + issueSlots + depCount];
}

function readInconsistency(s: Float64Array, at: number): Inconsistency | null {
  if (!s[at]) return null;
  return {
    kind: s[at],
    clause: [s[at + 1], s[at + 2]],
    a: [s[at + 3], s[at + 4]],
    aValue: formatLinear(s[at + 5], s[at + 6]),
    b: [s[at + 7], s[at + 8]],
    bValue: formatLinear(s[at + 9], s[at + 10]),
  };
}

/** A synchronous verifier bound to the loaded engine; use it in hot loops. */
export class Verifier {
  private readonly e: Engine;
  private readonly maxBytes: number;
  private view = new Uint8Array(0);
  private slots = new Float64Array(0);
  private goldSolution: string | undefined;
  private goldAnswer: number | undefined;
  private goldState = 1;
  private goldNodes: GoldNode[] | undefined;
  private inputPtr = 0;

  constructor(engine: Engine) {
    this.e = engine;
    this.maxBytes = engine.verifyLayout(0);
    if (engine.verifyLayout(1) !== HEADER || engine.verifyLayout(2) !== STEP_FIXED) {
      throw new Error('ts/data/verifier.ts is out of step with engine/verify/layout.ts: rebuild the engine');
    }
  }

  /**
   * Units of parsing work of the last judgement (every scan of the text or of a dependency set).
   * Linear parsing keeps it proportional to the input; tests check that, not the time it takes.
   */
  get lastWork(): number {
    return this.e.verifyWork();
  }

  /** Longest text judged, in UTF-8 bytes. */
  get maxTextBytes(): number {
    return this.maxBytes;
  }

  /** Full verdict with an explanation of every step. */
  verify(gold: GoldSolution, output: string, cfg: RewardConfig = DEFAULT_REWARD): Verdict {
    try {
      const bad = this.prepare(gold, output, cfg);
      if (bad) return failedVerdict(bad.status, bad.message ?? '');
      const slots = this.judge(output, true);
      if (slots < 0)
        return failedVerdict('too_long', `output is longer than ${this.maxBytes} UTF-8 bytes`, this.expected());
      return this.explain(cfg);
    } catch (err) {
      this.goldSolution = undefined;
      return failedVerdict('error', `verifier failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /** Rewards and counts only: the fast path for RL. */
  score(gold: GoldSolution, output: string, cfg: RewardConfig = DEFAULT_REWARD): Score {
    try {
      const bad = this.prepare(gold, output, cfg);
      if (bad) return bad;
      if (this.judge(output, false) < 0)
        return failedScore('too_long', `output is longer than ${this.maxBytes} UTF-8 bytes`);
      return scoreFromCounts(this.counts(), cfg);
    } catch (err) {
      this.goldSolution = undefined;
      return failedScore('error', `verifier failed: ${(err as Error)?.message ?? String(err)}`);
    }
  }

  /**
   * Many outputs against one gold (e.g. a GRPO group) or against one gold each. A gold equal to
   * the previous one is not parsed again, so keep the outputs of one prompt together.
   */
  scoreBatch(
    golds: GoldSolution | readonly GoldSolution[],
    outputs: readonly string[],
    cfg: RewardConfig = DEFAULT_REWARD,
  ): Score[] {
    const res = new Array<Score>(outputs.length);
    const many = Array.isArray(golds);
    if (many && golds.length !== outputs.length) {
      return res.fill(failedScore('bad_input', `got ${golds.length} golds for ${outputs.length} outputs`));
    }
    for (let i = 0; i < outputs.length; i++)
      res[i] = this.score(many ? golds[i] : (golds as GoldSolution), outputs[i], cfg);
    return res;
  }

  /** Validates the inputs and sets the gold; a failed Score when something is unusable. */
  private prepare(gold: GoldSolution, output: unknown, cfg: RewardConfig): Score | null {
    const cfgError = checkRewardConfig(cfg);
    if (cfgError) return failedScore('bad_config', cfgError);
    if (typeof gold !== 'object' || gold === null || typeof gold.solution !== 'string') {
      return failedScore('bad_gold', 'gold must be an object with a string "solution"');
    }
    if (gold.answer !== undefined && (typeof gold.answer !== 'number' || !Number.isSafeInteger(gold.answer))) {
      return failedScore('bad_gold', 'gold "answer" must be an integer');
    }
    if (typeof output !== 'string') return failedScore('bad_input', 'output must be a string');
    if (gold.solution !== this.goldSolution || gold.answer !== this.goldAnswer) {
      this.goldSolution = undefined;
      this.goldNodes = undefined;
      const len = this.write(gold.solution);
      this.goldState = len < 0 ? 2 : this.e.verifySetGold(len, gold.answer !== undefined, gold.answer ?? 0);
      this.goldSolution = gold.solution;
      this.goldAnswer = gold.answer;
    }
    if (this.goldState !== 0) return failedScore('bad_gold', GOLD_MESSAGES[this.goldState] ?? 'unusable gold solution');
    return null;
  }

  /** Encodes text into the wasm input buffer; its byte length, or -1 when too long. */
  private write(text: string): number {
    if (text.length > this.maxBytes) return -1;
    const cap = Math.min(text.length * 3, this.maxBytes + 8);
    this.inputPtr = this.e.verifyInput(cap) >>> 0;
    this.refreshViews();
    const { read, written } = encoder.encodeInto(text, this.view.subarray(this.inputPtr, this.inputPtr + cap));
    return read < text.length || written > this.maxBytes ? -1 : written;
  }

  /** Judges output against the current gold; slots written, or -1 when the output is too long. */
  private judge(output: string, detail: boolean): number {
    const len = this.write(output);
    if (len < 0) return -1;
    const n = this.e.verifyJudge(len, detail);
    this.refreshViews();
    if (this.slot(H.STATUS) === STATUS_TOO_LONG) return -1;
    return n;
  }

  private refreshViews(): void {
    const buf = this.e.memory.buffer;
    if (this.view.buffer !== buf) {
      this.view = new Uint8Array(buf);
      this.slots = new Float64Array(buf);
    }
  }

  private slot(i: number): number {
    return this.slots[(this.e.verifyResults() >>> 3) + i];
  }

  private expected(): number | null {
    return this.goldState === 0 ? this.slot(H.EXPECTED) : null;
  }

  private counts(): VerdictCounts {
    const base = this.e.verifyResults() >>> 3;
    return countsFrom(this.slots.subarray(base, base + HEADER));
  }

  private name(bytes: Uint8Array, from: number, start: number, len: number): string {
    return decoder.decode(bytes.subarray(from + start, from + start + len));
  }

  /** The gold's nodes (names, values, dependencies), decoded once per gold. */
  private loadGoldNodes(): GoldNode[] {
    if (this.goldNodes) return this.goldNodes;
    const bytes = encoder.encode(this.goldSolution ?? '');
    this.e.verifyGoldInfo();
    this.refreshViews();
    const base = this.e.verifyResults() >>> 3;
    const n = this.slots[base + H.GOLD_NODES];
    const nodes: GoldNode[] = [];
    let at = base + HEADER;
    for (let i = 0; i < n; i++) {
      const [rec, next] = readStep(this.slots, at);
      at = next;
      nodes.push({ name: this.name(bytes, 0, rec.nameStart, rec.nameLen), value: rec.value, deps: rec.deps });
    }
    this.goldNodes = nodes;
    return nodes;
  }

  private explain(cfg: RewardConfig): Verdict {
    // Copy what the judgement wrote before loadGoldNodes() reuses the result buffer.
    const base = this.e.verifyResults() >>> 3;
    const n = this.slots[base + H.GOLD_NODES];
    const listed = this.slots[base + H.LISTED];
    let end = base + HEADER + 2 * n;
    for (let k = 0; k < listed; k++) end += STEP_FIXED + this.slots[end + 10] + this.slots[end + 11];
    const snap = this.slots.slice(base, end);
    const inputAt = this.inputPtr;
    const counts = countsFrom(snap);
    const gold = this.loadGoldNodes();
    const steps: StepRecord[] = [];
    let at = HEADER + 2 * n;
    for (let k = 0; k < listed; k++) {
      const [rec, next] = readStep(snap, at);
      steps.push(rec);
      at = next;
    }
    // loadGoldNodes() does not touch the input buffer, so output names are still there.
    this.refreshViews();
    const stepName = (k: number): string =>
      k < steps.length ? this.name(this.view, inputAt, steps[k].nameStart, steps[k].nameLen) : `output step ${k + 1}`;
    const depName = (d: number): string => (d >= 0 ? (gold[d]?.name ?? `gold node ${d + 1}`) : stepName(-d - 1));
    const quote = ([s, e]: [number, number]): string => quoted(this.name(this.view, inputAt, s, e - s));
    const nodes: NodeVerdict[] = gold.map((g, c) => {
      const issues = snap[HEADER + 2 * c];
      const o = snap[HEADER + 2 * c + 1];
      const expected: StepSide = { value: g.value, dependsOn: g.deps.map(depName) };
      const rec = o >= 0 && o < steps.length ? steps[o] : undefined;
      const got: StepSide | null = rec ? { value: rec.value, dependsOn: rec.deps.map(depName) } : null;
      const list: StepIssue[] = [];
      const why: string[] = [];
      if (issues & ISSUE_MISSING) {
        list.push('missing_node');
        why.push('no step of the output defines this parameter');
      }
      if (issues & ISSUE_VALUE) {
        list.push('value_mismatch');
        why.push(valueReason(expected.value, got?.value ?? null, rec, quote));
      }
      if (issues & ISSUE_DEPENDENCY) {
        list.push('dependency_mismatch');
        why.push(dependencyReason(expected.dependsOn, got?.dependsOn ?? [], rec));
      }
      return {
        name: g.name,
        letter: o >= 0 && rec ? letterOf(rec.letter) : null,
        fine: list.length === 0,
        issues: list,
        why,
        expected,
        got,
      };
    });
    const extras: ExtraStep[] = [];
    steps.forEach((rec, k) => {
      const kind = EXTRA_KINDS[rec.kind];
      if (!kind) return;
      extras.push({
        name: stepName(k),
        letter: kind === 'malformed' ? null : letterOf(rec.letter),
        kind,
        why: EXTRA_REASONS[kind],
        dependsOn: rec.deps.map(depName),
      });
    });
    const answer: AnswerVerdict = {
      expected: snap[H.EXPECTED],
      got: snap[H.ANSWER_PARSED] ? snap[H.ANSWER_VALUE] : null,
      source: ANSWER_SOURCES[snap[H.ANSWER_SOURCE]] ?? 'none',
      correct: snap[H.ANSWER_CORRECT] === 1,
    };
    return { ...scoreFromCounts(counts, cfg), nodes, extras, answer };
  }
}

const EXTRA_REASONS: Record<ExtraKind, string> = {
  not_in_gold: 'the gold solution has no parameter of this name',
  duplicate: 'an earlier step already defined this parameter',
  malformed: "a 'Define' step without '<name> as <Letter>'",
};

function countsFrom(s: Float64Array): VerdictCounts {
  return {
    goldNodes: s[H.GOLD_NODES],
    outputSteps: s[H.OUTPUT_STEPS],
    valueMismatches: s[H.VALUE],
    dependencyMismatches: s[H.DEPENDENCY],
    missing: s[H.MISSING],
    extra: s[H.EXTRA],
    answerMismatch: s[H.ANSWER_CORRECT] ? 0 : 1,
  };
}

function valueReason(
  expected: string | null,
  got: string | null,
  rec: StepRecord | undefined,
  quote: (span: [number, number]) => string,
): string {
  if (rec && rec.flags & FLAG_SO_LETTER) return "its 'so' clause assigns another letter than the step's own";
  if (rec && rec.flags & FLAG_NO_SO) return "the step has no 'so <Letter> = ...' clause with a value";
  const wrong =
    rec?.inconsistency && rec.flags & FLAG_INCONSISTENT ? inconsistencyReason(rec.inconsistency, quote) : null;
  if (got === null) return wrong ?? `its value cannot be read as arithmetic (the gold has ${expected})`;
  if (got === expected && wrong) return wrong;
  return `value ${got} where the gold has ${expected}` + (wrong ? `, and ${wrong}` : '');
}

/** Longest quoted excerpt of the output in a reason. */
const QUOTE_CHARS = 120;

function quoted(text: string): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `'${t.length > QUOTE_CHARS ? `${t.slice(0, QUOTE_CHARS)}...` : t}'`;
}

/** Why a clause (or a closing equation) contradicts itself. */
function inconsistencyReason(x: Inconsistency, quote: (span: [number, number]) => string): string {
  const clause = quote(x.clause);
  switch (x.kind) {
    case ISSUE_CHAIN:
      return `its clause ${clause} does not hold: ${quote(x.a)} is ${x.aValue} but ${quote(x.b)} is ${x.bValue}`;
    case ISSUE_SUBSTITUTION:
      return `its clause ${clause} writes ${quote(x.b)} for ${quote(x.a)}, which is ${x.aValue} there`;
    case ISSUE_UNREADABLE:
      return `its clause ${clause} has an expression that cannot be evaluated: ${quote(x.a)}`;
    case ISSUE_EQUATION:
      return `its closing equation ${clause} does not follow from ${quote(x.a)}`;
    case ISSUE_DIVISOR:
      return `its closing step ${clause} divides by ${x.bValue}, but the x coefficient of ${quote(x.a)} is ${x.aValue}`;
    case ISSUE_NO_UNKNOWN:
      return `its closing equation ${clause} has no x term, so it cannot determine x`;
    case ISSUE_CLOSING_UNREADABLE:
      return `its closing equation ${clause} cannot be evaluated in integers`;
    default:
      return `its clause ${clause} contradicts itself`;
  }
}

function dependencyReason(expected: string[], got: string[], rec: StepRecord | undefined): string {
  if (rec && rec.flags & FLAG_UNKNOWN_LETTER)
    return `uses letter '${letterOf(rec.badLetter)}' that no earlier step or clause defined`;
  if (rec && rec.flags & FLAG_BAD_EXPR) return 'its expression is not arithmetic over letters and numbers';
  if (rec && rec.flags & FLAG_TOO_MANY_DEPS) return 'its expression reads too many quantities';
  if (rec && rec.flags & (FLAG_NO_SO | FLAG_SO_LETTER)) return "the step has no 'so' clause for its own letter";
  const list = (xs: string[]): string => (xs.length ? xs.join('; ') : 'no parameter');
  return `reads ${list(got)} where the gold reads ${list(expected)}`;
}

let shared: Promise<Verifier> | undefined;

/** The process-wide verifier (loads the engine once). */
export function loadVerifier(): Promise<Verifier> {
  shared ??= loadEngine().then((e) => new Verifier(e));
  return shared;
}

/** Judges `output` against `gold`; never throws (failures are verdicts with a non-'ok' status). */
export async function verify(gold: GoldSolution, output: string, cfg: RewardConfig = DEFAULT_REWARD): Promise<Verdict> {
  try {
    return (await loadVerifier()).verify(gold, output, cfg);
  } catch (err) {
    return failedVerdict('error', `verifier unavailable: ${(err as Error)?.message ?? String(err)}`);
  }
}

/** Batch scoring for RL (see Verifier.scoreBatch); never throws. */
export async function scoreBatch(
  golds: GoldSolution | readonly GoldSolution[],
  outputs: readonly string[],
  cfg: RewardConfig = DEFAULT_REWARD,
): Promise<Score[]> {
  try {
    return (await loadVerifier()).scoreBatch(golds, outputs, cfg);
  } catch (err) {
    const msg = `verifier unavailable: ${(err as Error)?.message ?? String(err)}`;
    return outputs.map(() => failedScore('error', msg));
  }
}
