// Progress bars: a redrawn bar with rate and ETA on a terminal, plain lines elsewhere (CI), drawn
// into a sink (stderr on the CLI: ts/io/terminal.ts). Stages do not draw: they report to an
// OnProgress (their Reporter's), and the CLI turns the reports into bars with progressBars.

/** One report of a long phase: `done` of `total` units so far. */
export interface ProgressReport {
  phase: string;
  done: number;
  total: number;
  unit: string;
  /** Shown after the rate (e.g. "op 7"). */
  note?: string;
}

/** Where a long phase reports; the caller decides how it is shown (progressBars on the CLI). */
export type OnProgress = (report: ProgressReport) => void;

/** Where a Progress draws, and its clock. */
export interface ProgressSink {
  write(text: string): void;
  /** A terminal: one bar redrawn in place; otherwise plain lines. */
  tty: boolean;
  /** Milliseconds. */
  now(): number;
}

export class Progress {
  private readonly sink: ProgressSink;
  private readonly start: number;
  private readonly t0: number;
  /** The first update always draws, so a phase shows its start, total and unit at once. */
  private lastDraw = -Infinity;
  private lastText = '';

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'tokens',
    /** Seconds between plain lines when not on a terminal. */
    private readonly every = 10,
    /** `start`: units already done before this run (a resumed run), left out of the rate. */
    { sink, start = 0 }: { sink: ProgressSink; start?: number },
  ) {
    this.sink = sink;
    this.start = start;
    this.t0 = sink.now();
  }

  /** `done` units of `total`; `extra` is shown after the rate (e.g. "loss 2.31"). */
  update(done: number, extra = '', force = false): void {
    const now = this.sink.now();
    if (!force && now - this.lastDraw < (this.sink.tty ? 200 : this.every * 1000)) return;
    this.lastDraw = now;
    const s = (now - this.t0) / 1000;
    const rate = (done - this.start) / Math.max(s, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const frac = this.total > 0 ? Math.min(1, done / this.total) : 1;
    const text = `${this.label} ${(100 * frac).toFixed(1)}% ${fmt(done)}/${fmt(this.total)} ${this.unit}, ${fmt(rate)} ${this.unit}/s, ETA ${duration(eta)}${extra ? ', ' + extra : ''}`;
    if (text === this.lastText) return; // done() right after the last update drew the same line
    this.lastText = text;
    if (this.sink.tty) {
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
      this.sink.write(`\r\x1b[2K${bar} ${text}`);
    } else this.sink.write(text + '\n');
  }

  done(extra = ''): void {
    this.update(this.total, extra, true);
    if (this.sink.tty) this.sink.write('\n');
  }
}

/**
 * An OnProgress that draws each phase (with a total above 0) as its own Progress labelled
 * `label phase`; phases may interleave (training steps between held-out evaluations), each keeping
 * its own rate. A report with `done >= total` ends the phase's bar; more such reports of it (a phase
 * may overshoot) are ignored, and one below the total starts the phase again.
 */
export function progressBars(label: string, sink: ProgressSink): OnProgress {
  const bars = new Map<string, Progress>();
  const ended = new Set<string>();
  return (r) => {
    if (r.total <= 0 || (ended.has(r.phase) && r.done >= r.total)) return; // nothing to do, or done already
    let bar = bars.get(r.phase);
    if (!bar) {
      ended.delete(r.phase);
      // A phase's first report may be where a resumed run starts: the rate counts from there.
      bar = new Progress(label ? `${label} ${r.phase}` : r.phase, r.total, r.unit, undefined, { sink, start: r.done });
      bars.set(r.phase, bar);
    }
    if (r.done < r.total) return bar.update(r.done, r.note);
    bar.done(r.note);
    bars.delete(r.phase);
    ended.add(r.phase);
  };
}

/** A count as text: integers below 10,000 whole, other numbers with 3 significant figures or k/M/G. */
function fmt(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  if (Number.isInteger(n)) return String(n);
  return n.toFixed(n < 10 ? 2 : n < 100 ? 1 : 0);
}

export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
