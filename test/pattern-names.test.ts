/**
 * Access patterns are named where they are defined: every DynamoDB call the code makes through
 * `call`, `conditional`, `transact`, `batchGet` (src/patterns/db.ts), `queryPage` or `paginate` (paging.ts)
 * passes its pattern's name as a string literal, so the metrics' `pattern` label is the fixed
 * set written in the code, and docs/data-model.md lists each one.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;
const NAMED = new Set(['call', 'conditional', 'transact', 'batchGet', 'queryPage', 'paginate']);

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

/** Each named call: its file and line, and its name (undefined when not a string literal). */
function namedCalls(): { where: string; name: string | undefined }[] {
  const found: { where: string; name: string | undefined }[] = [];
  for (const file of ['src/patterns', 'src/derived', 'src/admin', 'src/http', 'src/cli'].flatMap(sources)) {
    const source = ts.createSourceFile(file, readFileSync(join(ROOT, file), 'utf8'), ts.ScriptTarget.Latest, true);
    const visit = (node: ts.Node): void => {
      // The helpers themselves pass on the name they were given.
      const inDb = file === 'src/patterns/db.ts' || file === 'src/patterns/paging.ts';
      if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && NAMED.has(node.expression.text) && !inDb) {
        const name = node.arguments[1];
        const line = source.getLineAndCharacterOfPosition(node.getStart()).line + 1;
        found.push({ where: `${file}:${line}`, name: name && ts.isStringLiteral(name) ? name.text : undefined });
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }
  return found;
}

describe('pattern names', () => {
  const calls = namedCalls();

  it('are string literals at every call, in the form metrics take', () => {
    expect(calls.length).toBeGreaterThan(100);
    expect(calls.filter((c) => c.name === undefined).map((c) => c.where)).toEqual([]);
    expect(calls.filter((c) => !/^[a-zA-Z]+(\.[a-zA-Z]+)?$/.test(c.name!)).map((c) => `${c.where} ${c.name}`)).toEqual([]);
  });

  it('are each listed in docs/data-model.md', () => {
    const doc = readFileSync(join(ROOT, 'docs/data-model.md'), 'utf8');
    const section = doc.slice(doc.indexOf('### Pattern names'));
    const names = [...new Set(calls.map((c) => c.name!))].sort();
    expect(names.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });
});
