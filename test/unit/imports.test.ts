// The layering of DESIGN.md, read from the import statements of every file under ts/: harness ->
// study -> rl/eval/train -> model/ckpt -> ops -> gpu; data and engine below them; ref is plain
// arithmetic; nothing in model or eval imports train. Type-only imports count (a type pulled up from
// train is the coupling this guards against), except the one exception of ref named below.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');

/** ts/ folder -> the other ts/ folders its files may import. A new folder must be placed here. */
const MAY_IMPORT: Record<string, string[]> = {
  util: [],
  store: [],
  // io: the Node implementations of the injected services (run store, terminal reporter, stdio).
  io: ['store', 'util'],
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
};

/** What ref may take from ops and model (besides this rule, the table above). */
function refAllows(imp: Import): boolean {
  if (imp.target.startsWith('ts/ops/')) return imp.typeOnly;
  return ['ts/model/config.ts', 'ts/model/params.ts'].includes(imp.target);
}

interface Import {
  /** File path relative to the repository root, e.g. ts/model/model.ts (or the bare specifier). */
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
    const model = importsOf('ts/model/model.ts', files.get('ts/model/model.ts')!).map((i) => i.target);
    expect(model).toContain('ts/ops/matmul.ts');
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
    expect(one('ts/ref/x.ts', "import { Model } from '../model/model.js';")).toHaveLength(1);
    expect(one('ts/ref/x.ts', "import type { Gpu } from '../gpu/device.js';")).toHaveLength(1);
    expect(one('ts/study/x.ts', '')).toEqual([expect.stringMatching(/ts\/study has no place/)]);
    // What is allowed stays allowed.
    const refOk = "import type { MatmulShape } from '../ops/matmul.js';\nimport { paramLayout } from '../model/params.js';";
    expect(one('ts/ref/x.ts', refOk)).toEqual([]);
    const trainOk = "import { loadCheckpoint } from '../ckpt/index.js';\nimport { join } from 'node:path';";
    expect(one('ts/train/x.ts', trainOk)).toEqual([]);
  });
});
