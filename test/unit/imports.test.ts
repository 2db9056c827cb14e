// The source files' import graph, read with the TypeScript compiler's own parser: no value
// import may close a cycle among src/ files (type-only imports are erased at build time and do
// not count), and src/core/ stays pure (no `vscode`, nothing from the editor layer above it).
// A cycle here means two files that cannot be read, tested or loaded one without the other.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as ts from 'typescript';
import { AGGREGATION_STRATEGIES } from '../../src/core/aggregate';

const ROOT = path.resolve(__dirname, '../../..');
const SRC = path.join(ROOT, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

/** The module specifiers a file imports or re-exports as values (not `import type`, not all-`type` lists). */
export function valueImports(text: string, fileName = 'x.ts'): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.ES2022, false, ts.ScriptKind.TS);
  const out: string[] = [];
  for (const st of sf.statements) {
    if (ts.isImportDeclaration(st) && ts.isStringLiteral(st.moduleSpecifier)) {
      const clause = st.importClause;
      if (clause?.isTypeOnly) continue;
      const bindings = clause?.namedBindings;
      const allTypes =
        clause &&
        !clause.name &&
        bindings &&
        ts.isNamedImports(bindings) &&
        bindings.elements.length > 0 &&
        bindings.elements.every((e) => e.isTypeOnly);
      if (!allTypes) out.push(st.moduleSpecifier.text);
    } else if (ts.isExportDeclaration(st) && st.moduleSpecifier && ts.isStringLiteral(st.moduleSpecifier)) {
      if (st.isTypeOnly) continue;
      const clause = st.exportClause;
      if (clause && ts.isNamedExports(clause) && clause.elements.length > 0 && clause.elements.every((e) => e.isTypeOnly)) continue;
      out.push(st.moduleSpecifier.text);
    }
  }
  return out;
}

function graph(): Map<string, string[]> {
  const files = sourceFiles(SRC);
  const known = new Set(files);
  const g = new Map<string, string[]>();
  for (const f of files) {
    const deps: string[] = [];
    for (const spec of valueImports(readFileSync(f, 'utf8'), f)) {
      if (!spec.startsWith('.')) continue;
      const base = path.resolve(path.dirname(f), spec);
      const target = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => known.has(c));
      if (target) deps.push(target);
    }
    g.set(f, deps);
  }
  return g;
}

/** Strongly connected components with more than one file (or a file importing itself). */
export function cycles(g: ReadonlyMap<string, readonly string[]>): string[][] {
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    on.add(v);
    for (const w of g.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (g.get(v) ?? []).includes(v)) out.push(comp.sort());
    }
  };
  for (const v of g.keys()) if (!idx.has(v)) visit(v);
  return out;
}

test('the cycle check sees value imports and ignores type-only ones', () => {
  assert.deepEqual(
    valueImports(
      "import type { A } from './a';\nimport { type B } from './b';\nimport { c, type D } from './c';\nimport './d';\nexport { e } from './e';\nexport type { F } from './f';",
    ),
    ['./c', './d', './e'],
  );
  const g = new Map([
    ['a', ['b']],
    ['b', ['c']],
    ['c', ['a']],
    ['d', ['a']],
  ]);
  assert.deepEqual(cycles(g), [['a', 'b', 'c']]);
  assert.deepEqual(
    cycles(
      new Map([
        ['a', ['b']],
        ['b', []],
      ]),
    ),
    [],
  );
});

test('no value-import cycle among the source files', () => {
  const found = cycles(graph()).map((c) => c.map((f) => path.relative(ROOT, f)).join(' <-> '));
  assert.deepEqual(found, [], `import cycles:\n${found.join('\n')}`);
});

test('src/core imports neither vscode nor the editor layer', () => {
  const bad: string[] = [];
  for (const f of sourceFiles(path.join(SRC, 'core'))) {
    for (const spec of valueImports(readFileSync(f, 'utf8'), f)) {
      if (
        spec === 'vscode' ||
        (spec.startsWith('.') && !path.resolve(path.dirname(f), spec).startsWith(path.join(SRC, 'core') + path.sep))
      ) {
        bad.push(`${path.relative(ROOT, f)}: ${spec}`);
      }
    }
  }
  assert.deepEqual(bad, []);
});

test('the aggregation strategies the settings offer are the ones core knows', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const setting =
    pkg.contributes.configuration.properties?.['bertLstm.aggregationStrategy'] ??
    pkg.contributes.configuration.find?.((c: { properties: Record<string, unknown> }) => c.properties['bertLstm.aggregationStrategy'])
      ?.properties['bertLstm.aggregationStrategy'];
  assert.deepEqual([...setting.enum].sort(), [...AGGREGATION_STRATEGIES].sort());
});
