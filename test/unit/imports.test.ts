// The layering of DESIGN.md, read from the import statements of every file under ts/: harness ->
// study -> rl/eval/train -> model/ckpt -> ops -> gpu; data and engine below them; ref is plain
// arithmetic; nothing in model or eval imports train. Type-only imports count (a type pulled up from
// train is the coupling this guards against), except the one exception of ref named below.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** ts/ folder -> the other ts/ folders its files may import. A new folder must be placed here. */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  store: [],
  // io: the Node implementations of the injected services (run store, terminal reporter, stdio, Dawn).
  io: ['gpu', 'store', 'util'],
  gpu: ['util'],
  // ref: plain arithmetic. It may name the shapes ops define (type-only: nothing of ops runs) and
  // the model's description (config.ts, params.ts: what a flat parameter vector means); see refAllows.
  ref: ['ops', 'model'],
  ops: ['gpu', 'ref', 'util'], // ref: the self-check compares a product with it
  data: ['store', 'util'],
  model: ['gpu', 'ops', 'util'],
  ckpt: ['model', 'store', 'util'],
  // stage: the loop and run directory every stage shares.
  stage: ['ckpt', 'gpu', 'model', 'store', 'util'],
  eval: ['ckpt', 'data', 'gpu', 'model', 'ops', 'stage', 'store', 'util'],
  train: ['ckpt', 'data', 'eval', 'gpu', 'model', 'ops', 'stage', 'store', 'util'],
  rl: ['ckpt', 'data', 'eval', 'gpu', 'model', 'ops', 'stage', 'store', 'util'],
  config: ['eval', 'rl', 'train', 'util'], // the preset registry, over every stage's schema
  // worker: the engine's API for a page's worker (and Node's worker_threads), over the stages.
  worker: ['ckpt', 'config', 'data', 'eval', 'gpu', 'model', 'repro', 'store', 'train', 'util'],
  // repro: kernel fingerprints (every op against its reference), the protocol run through the stages
  // (pre-training, RL, evaluation), and their comparison.
  repro: ['ckpt', 'eval', 'gpu', 'model', 'ops', 'ref', 'rl', 'stage', 'store', 'train', 'util'],
  // study: plans of runs over the stages, their runner and reports.
  study: ['ckpt', 'data', 'eval', 'gpu', 'rl', 'stage', 'store', 'train', 'util'],
};

/** What ref may take from ops and model (besides this rule, the table above). */
function refAllows(imp: Import): boolean {
  if (imp.target.startsWith('ts/ops/')) return imp.typeOnly;
  return ['ts/model/config.ts', 'ts/model/params.ts'].includes(imp.target);
}

interface Import {
  /** File path relative to the repository root, e.g. ts/model/training.ts (or the bare specifier). */
  target: string;
  /** `import type`, or every imported name marked `type`. */
  typeOnly: boolean;
}

/** Static imports, re-exports and dynamic import('...') of a TypeScript source, resolved from `file`. */
function importsOf(file: string, source: string): Import[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  const out: Import[] = [];
  const add = (spec: string, typeOnly: boolean) => {
    const path = (s: string) => relative(ROOT, resolve(ROOT, dirname(file), s)).replace(/\.js$/, '.ts');
    out.push({ target: spec.startsWith('.') ? path(spec) : spec, typeOnly });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const named = bindings && ts.isNamedImports(bindings) ? bindings.elements : undefined;
      const allTyped = !!named && named.length > 0 && !clause?.name && named.every((e) => e.isTypeOnly);
      add(node.moduleSpecifier.text, !!clause && (clause.isTypeOnly || allTyped));
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      add(node.moduleSpecifier.text, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteral(arg)) add(arg.text, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const folderOf = (path: string) => (path.startsWith('ts/') ? path.split('/')[1] : undefined);

/** Every import of `files` (path -> source) that breaks the layering, as 'from -> to' lines. */
function violations(files: Map<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, source] of files) {
    const from = folderOf(file)!;
    const allowed = MAY_IMPORT[from];
    if (!allowed) {
      bad.push(`${file}: folder ts/${from} has no place in MAY_IMPORT (test/unit/imports.test.ts); add it`);
      continue;
    }
    for (const imp of importsOf(file, source)) {
      const to = folderOf(imp.target);
      if (to === undefined || to === from) continue;
      if (allowed.includes(to) && (from !== 'ref' || refAllows(imp))) continue;
      bad.push(`${file} -> ${imp.target}${imp.typeOnly ? ' (type)' : ''}`);
    }
  }
  return bad;
}

const NODE_GLOBALS = ['process', 'Buffer'];
const isNodeModule = (spec: string) => spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]);

/**
 * Node in the browser-safe core: every import of a Node module (node:fs or bare fs, static, dynamic
 * or re-exported) and every use of Node's globals (process, Buffer) in `files` outside ts/io/.
 */
function nodeUses(files: Map<string, string>): string[] {
  const bad: string[] = [];
  for (const [file, source] of files) {
    if (file.startsWith('ts/io/')) continue;
    for (const imp of importsOf(file, source)) if (isNodeModule(imp.target)) bad.push(`${file}: imports ${imp.target}`);
    const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
    // A file that declares its own `process` (a score) means that one (tsc checks the scoping).
    const own = new Set<string>();
    const declared = (node: ts.Node) => {
      const name = (node as ts.NamedDeclaration).name;
      if (name && ts.isIdentifier(name) && NODE_GLOBALS.includes(name.text) && !ts.isPropertyAccessExpression(node)) {
        if (ts.isVariableDeclaration(node) || ts.isParameter(node) || ts.isBindingElement(node)) own.add(name.text);
      }
      ts.forEachChild(node, declared);
    };
    declared(sf);
    const visit = (node: ts.Node) => {
      if (ts.isIdentifier(node) && NODE_GLOBALS.includes(node.text) && !own.has(node.text) && !isMemberName(node)) {
        bad.push(`${file}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}: uses ${node.text}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return bad;
}

/** A name after a dot or of a member (`x.process`, `{ process: 1 }`), not the global itself. */
function isMemberName(node: ts.Identifier): boolean {
  const p = node.parent;
  if (ts.isPropertyAccessExpression(p) || ts.isQualifiedName(p)) return p.getChildAt(p.getChildCount() - 1) === node;
  const named =
    ts.isPropertyAssignment(p) || ts.isPropertyDeclaration(p) || ts.isPropertySignature(p) || ts.isMethodDeclaration(p);
  return named && p.name === node;
}

function sources(dir: string, out = new Map<string, string>()): Map<string, string> {
  for (const e of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) sources(path, out);
    else if (e.name.endsWith('.ts')) out.set(path, readFileSync(join(ROOT, path), 'utf8'));
  }
  return out;
}

describe('import layering (DESIGN.md)', () => {
  const files = sources('ts');

  it('reads the imports it checks', () => {
    expect(files.size).toBeGreaterThan(50);
    const model = importsOf('ts/model/training.ts', files.get('ts/model/training.ts')!).map((i) => i.target);
    expect(model).toContain('ts/ops/adamw.ts');
    expect(model).toContain('ts/gpu/device.ts');
  });

  it('every file under ts/ imports only what its layer may', () => {
    expect(violations(files)).toEqual([]);
  });

  it('catches a bad import in any form: type-only, multi-line, re-export, dynamic', () => {
    const one = (file: string, source: string) => violations(new Map([[file, source]]));
    const typeUp = "import type { Batch } from '../train/batches.js';";
    expect(one('ts/model/x.ts', typeUp)).toEqual(['ts/model/x.ts -> ts/train/batches.ts (type)']);
    expect(one('ts/eval/x.ts', "import {\n  loadCheckpoint,\n} from '../train/checkpoint.js';")).toHaveLength(1);
    expect(one('ts/gpu/x.ts', "export { matmul } from '../ops/matmul.js';")).toHaveLength(1);
    expect(one('ts/gpu/x.ts', "const m = await import('../ref/matmul.js');")).toHaveLength(1);
    expect(one('ts/ckpt/x.ts', "import { runStage } from '../train/stage.js';")).toHaveLength(1);
    expect(one('ts/ref/x.ts', "import { ropeTable } from '../ops/rope.js';")).toHaveLength(1);
    expect(one('ts/ref/x.ts', "import { TrainingModel } from '../model/training.js';")).toHaveLength(1);
    expect(one('ts/ref/x.ts', "import type { Gpu } from '../gpu/device.js';")).toHaveLength(1);
    expect(one('ts/unplaced/x.ts', '')).toEqual([expect.stringMatching(/ts\/unplaced has no place/)]);
    // What is allowed stays allowed.
    const refOk =
      "import type { MatmulShape } from '../ops/matmul.js';\nimport { paramLayout } from '../model/params.js';";
    expect(one('ts/ref/x.ts', refOk)).toEqual([]);
    const trainOk = "import { loadCheckpoint } from '../ckpt/index.js';\nimport { join } from 'node:path';";
    expect(one('ts/train/x.ts', trainOk)).toEqual([]);
  });
});

describe('the browser-safe core (everything under ts/ but ts/io/)', () => {
  const files = sources('ts');

  it('imports no Node module and uses no Node global', () => {
    expect(nodeUses(files)).toEqual([]);
  });

  it('catches Node in any form, and only in the core', () => {
    const one = (file: string, source: string) => nodeUses(new Map([[file, source]]));
    expect(one('ts/gpu/x.ts', "import { existsSync } from 'node:fs';")).toEqual(['ts/gpu/x.ts: imports node:fs']);
    expect(one('ts/gpu/x.ts', "const os = await import('node:os');")).toEqual(['ts/gpu/x.ts: imports node:os']);
    expect(one('ts/gpu/x.ts', "export { join } from 'path';")).toEqual(['ts/gpu/x.ts: imports path']);
    expect(one('ts/gpu/x.ts', "import { readFile } from 'fs/promises';")).toEqual(['ts/gpu/x.ts: imports fs/promises']);
    const twoLines = 'const a = 1;\nprocess.stderr.write(String(a));';
    expect(one('ts/util/x.ts', twoLines)).toEqual(['ts/util/x.ts:2: uses process']);
    expect(one('ts/util/x.ts', "const b = Buffer.from('x');")).toEqual(['ts/util/x.ts:1: uses Buffer']);
    expect(one('ts/util/x.ts', "if (typeof process !== 'undefined') f();")).toEqual(['ts/util/x.ts:1: uses process']);
    expect(one('ts/util/x.ts', 'let b: Buffer;')).toEqual(['ts/util/x.ts:1: uses Buffer']);
    // Not Node: a member of that name, a string, a comment; and anything in ts/io/.
    const fine = "// process.stderr\nconst o = { process: 1, Buffer: 2 };\no.process = o.Buffer;\nconst s = 'node:fs';";
    expect(one('ts/util/x.ts', fine)).toEqual([]);
    expect(one('ts/data/x.ts', 'const process = 1 - penalty;\nreturn { process };')).toEqual([]);
    expect(one('ts/io/x.ts', "import { existsSync } from 'node:fs';\nprocess.exit(0);")).toEqual([]);
  });

  it("type-checks without Node's types (tsconfig.browser.json)", () => {
    let out = '';
    try {
      const tsc = join(ROOT, 'node_modules/.bin/tsc');
      execFileSync(tsc, ['-p', 'tsconfig.browser.json'], { cwd: ROOT, encoding: 'utf8' });
    } catch (e) {
      out = String((e as { stdout?: string }).stdout ?? e);
    }
    expect(out.split('\n').filter((l) => l.includes('error TS'))).toEqual([]);
  });
});
