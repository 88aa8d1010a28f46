// `npm run bench`: every section prints its numbers beside a peer measured in the same run, and
// appends a JSON line to stdout. Run one section with `npm run bench -- <name> [...]`.
import { useDawn } from '../ts/io/dawn.js';
import { flushStdout } from '../ts/io/stdio.js';
import { sections } from './sections.js';

useDawn();

// Flags are the sections' own (--paper, --quick); --out takes a value, which is no section name.
const wanted = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && all[i - 1] !== '--out');
const chosen = wanted.length ? sections.filter((s) => wanted.includes(s.name)) : sections.filter((s) => !s.onlyNamed);
if (wanted.length && chosen.length !== wanted.length) {
  process.stderr.write(`unknown bench section; choose from: ${sections.map((s) => s.name).join(', ')}\n`);
  process.exit(2);
}
for (const s of chosen) {
  process.stderr.write(`\n== ${s.name}: ${s.summary}\n`);
  await s.run();
}
await flushStdout(); // process.exit would drop rows a pipe has not taken yet
process.exit(0);
