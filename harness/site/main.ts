// `npm run site -- [--results DIR ...] [--checkpoint DIR] --out DIR`: builds the static site
// (harness/site/build.ts) and prints its size. Serve the folder with any static server.
import { parseArgs } from 'node:util';
import { buildSite, describeSize } from './build.js';

const USAGE =
  'usage: npm run site -- [--results DIR [DIR ...]] [--checkpoint CKPT|RUN_DIR] --out DIR\n' +
  '  --results     run directories (e.g. runs/start) whose results, samples and metrics the site shows\n' +
  '  --checkpoint  a checkpoint (or a run directory: its latest) the pages load\n' +
  '  --out         the site folder (replaced when it holds an earlier site)\n';

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: {
      results: { type: 'string', multiple: true },
      checkpoint: { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    allowPositionals: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.out) throw new Error('missing --out DIR: the folder to write the site to');
  // `--results a b` names two folders: the words after it are more of them.
  const results = [...(values.results ?? []), ...positionals];
  const out = values.out;
  const size = await buildSite({ results, checkpoint: values.checkpoint, out });
  process.stderr.write(describeSize(size, out) + '\n');
  process.stdout.write(JSON.stringify({ site: out, ...size }) + '\n');
}

main().catch((err: Error) => {
  process.stderr.write(`error: ${err.message}\n${USAGE}`);
  process.exit(1);
});
