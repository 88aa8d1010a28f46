// Progress on stderr: a redrawn bar with rate and ETA on a terminal, plain lines elsewhere (CI).
export class Progress {
  private readonly t0 = performance.now();
  private lastDraw = 0;
  private readonly tty = typeof process !== 'undefined' && !!process.stderr.isTTY;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit = 'tokens',
    /** Seconds between plain lines when not on a terminal. */
    private readonly every = 10,
  ) {}

  /** `done` units of `total`; `extra` is shown after the rate (e.g. "loss 2.31"). */
  update(done: number, extra = '', force = false): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < (this.tty ? 200 : this.every * 1000)) return;
    this.lastDraw = now;
    const s = (now - this.t0) / 1000;
    const rate = done / Math.max(s, 1e-9);
    const eta = rate > 0 ? (this.total - done) / rate : Infinity;
    const frac = Math.min(1, done / this.total);
    const text = `${this.label} ${(100 * frac).toFixed(1)}% ${fmt(done)}/${fmt(this.total)} ${this.unit}, ${fmt(rate)} ${this.unit}/s, ETA ${duration(eta)}${extra ? ', ' + extra : ''}`;
    if (this.tty) {
      const width = 24;
      const bar = '█'.repeat(Math.round(frac * width)).padEnd(width, '·');
      process.stderr.write(`\r\x1b[2K${bar} ${text}`);
    } else process.stderr.write(text + '\n');
  }

  done(extra = ''): void {
    this.update(this.total, extra, true);
    if (this.tty) process.stderr.write('\n');
  }
}

function fmt(n: number): string {
  if (!Number.isFinite(n)) return '?';
  if (n >= 1e9) return (n / 1e9).toFixed(2) + 'G';
  if (n >= 1e6) return (n / 1e6).toFixed(2) + 'M';
  if (n >= 1e4) return (n / 1e3).toFixed(1) + 'k';
  return n.toFixed(n < 10 ? 2 : 0);
}

export function duration(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(0)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.round((s % 3600) / 60)).padStart(2, '0')}m`;
}
