// `npm run bench`: every section prints its numbers beside a peer measured in the same run, and
// appends a JSON line to stdout. Run one section with `npm run bench -- <name> [...]`.
import { flushStdout } from '../ts/io/stdio.js';
import { sections } from './sections.js';

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const chosen = wanted.length ? sections.filter((s) => wanted.includes(s.name)) : sections;
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
