// Build-time facts the engine reports as its identity (ts/util/provenance.ts): the package version and
// the git commit, read here once (Node) and compiled in as constants, so no engine code runs git.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** esbuild / vite `define` entries: __ENGINE_VERSION__ and __ENGINE_COMMIT__ (null outside a git checkout). */
export function buildDefines(root) {
  const version = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version;
  let commit = null;
  try {
    const opts = { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' };
    commit = execFileSync('git', ['rev-parse', 'HEAD'], opts).trim();
    // A work tree with uncommitted changes is not that commit: say so.
    if (execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], opts).trim()) commit += '-dirty';
  } catch {
    // Not a git checkout (a tarball, a copy): no commit to report.
  }
  return { __ENGINE_VERSION__: JSON.stringify(version), __ENGINE_COMMIT__: JSON.stringify(commit) };
}
