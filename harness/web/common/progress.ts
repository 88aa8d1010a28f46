// A stage's progress on a page: a <progress> bar and the line a terminal shows (phase, share, rate,
// ETA), made by the CLI's own progress logic (progressBars of ts/util/progress.ts) drawing into the
// page as if it were a terminal.
import { progressBars, type OnProgress } from '../../../ts/util/progress.js';

/** A bar and its line, appended to `parent`; `listen()` gives a fresh OnProgress per stage run. */
export function progressView(parent: HTMLElement): { listen(): OnProgress } {
  const bar = document.createElement('progress');
  bar.max = 1;
  bar.value = 0;
  const line = document.createElement('span');
  line.className = 'progress-line';
  parent.append(bar, ' ', line);
  const sink = {
    tty: true, // redrawn in place, at most 5 times a second
    now: () => performance.now(),
    // A terminal's redraw: "\r", erase line, the text bar, the text; a lone newline ends a bar.
    write: (text: string) => {
      const shown = text.replace(/^\r\x1b\[2K\S* /, '').trim();
      if (shown) line.textContent = shown;
    },
  };
  return {
    listen() {
      const draw = progressBars('', sink);
      return (r) => {
        if (r.total > 0) bar.value = Math.min(1, r.done / r.total);
        draw(r);
      };
    },
  };
}
