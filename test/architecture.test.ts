/**
 * The import graph keeps one data layer: item-level requests are built in src/patterns/ (main
 * table) and src/derived/store/ (derived table) only; src/http/ never reaches into src/admin/;
 * schema and patterns point down, never up to http, cli or admin; items are told apart by key;
 * the main table's key prefixes reach only the builders and readers of keys. Read from the source text, so
 * a violation fails here before review; the rules are checked against small examples too, so
 * a rule that stopped seeing anything would fail as well.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('..', import.meta.url).pathname;

/** Item-level operations, as lib-dynamodb's document commands and client-dynamodb's own. */
const ITEM_COMMANDS = new Set(
  [
    'Get', 'Put', 'Update', 'Delete', 'Query', 'Scan', 'BatchGet', 'BatchWrite', 'TransactWrite', 'TransactGet',
    'GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems', 'ExecuteStatement', 'BatchExecuteStatement', 'ExecuteTransaction',
  ].map((name) => `${name}Command`),
);
const SDK_MODULES = new Set(['@aws-sdk/lib-dynamodb', '@aws-sdk/client-dynamodb']);

/** The operator's patterns (Scans, bulk loads): the service's and worker's policies grant neither (test/iam-policy.test.ts). */
const OPERATOR_PATTERNS = ['src/patterns/audit/', 'src/patterns/bulk.ts'];
const isOperatorPattern = (path: string) => OPERATOR_PATTERNS.some((p) => path.startsWith(p));

/** The main table's key prefixes, and the only two files that build or read keys with them (everyone else asks keys.ts). */
const KEY_PREFIXES = 'src/schema/key-prefixes.ts';
const KEY_FORMATS = new Set(['src/schema/keys.ts', 'src/schema/key-readers.ts']);

/** Where item-level requests are built. */
const DATA_LAYER = ['src/patterns/', 'src/derived/store/'];

/**
 * Files outside the data layer that may import item-level names anyway, and why. Control-plane
 * commands (Create/Describe/Delete/UpdateTable, TTL, streams) are not item-level and need no entry.
 */
const ALLOWED: Record<string, string> = {
  'src/engine/lean/client.ts': 'transport: the lean client answers the document commands the data layer sends, it builds none',
  'src/engine/lean/errors.ts': 'transport: maps every SDK exception class by name (a namespace import), sends nothing',
};

interface Import {
  /** The module as written. */
  specifier: string;
  /** Resolved to a repository path for relative imports (src/...), else the specifier. */
  target: string;
  /** Names imported (`*` for a namespace import); type-only imports are left out. */
  names: string[];
}

function importsOf(path: string, text: string): Import[] {
  const found: Import[] = [];
  const pattern = /(?:^|\n)\s*(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of text.matchAll(pattern)) {
    const specifier = match[4] ?? match[5]!;
    const typeOnly = match[2] !== undefined;
    const clause = match[3] ?? '';
    const names = typeOnly
      ? []
      : clause.includes('*')
        ? ['*']
        : [...clause.replace(/^[^{]*\{|\}[^}]*$/g, '').split(',')].map((n) => n.trim()).filter((n) => n !== '' && !n.startsWith('type ')).map((n) => n.split(/\s+as\s+/)[0]!.trim());
    const target = specifier.startsWith('.') ? normalize(join(dirname(path), specifier)).replace(/\.js$/, '.ts') : specifier;
    found.push({ specifier, target, names });
  }
  return found;
}

/** Every rule broken by the given files (repository path to source text). */
export function violations(files: Map<string, string>): string[] {
  const broken: string[] = [];
  for (const [path, text] of files) {
    const inDataLayer = DATA_LAYER.some((dir) => path.startsWith(dir));
    for (const imported of importsOf(path, text)) {
      if (SDK_MODULES.has(imported.specifier) && !inDataLayer && ALLOWED[path] === undefined) {
        const items = imported.names.filter((n) => n === '*' || ITEM_COMMANDS.has(n));
        if (items.length > 0) broken.push(`${path} imports ${items.join(', ')} from ${imported.specifier}: item-level requests are built in ${DATA_LAYER.join(' or ')}`);
      }
      if (isOperatorPattern(imported.target) && !path.startsWith('src/admin/') && !isOperatorPattern(path)) {
        broken.push(`${path} imports ${imported.target}: only src/admin/ runs the operator's patterns`);
      }
      if (imported.target === KEY_PREFIXES && !KEY_FORMATS.has(path)) broken.push(`${path} imports ${KEY_PREFIXES}: ask src/schema/keys.ts for keys, ranges and prefixes`);
      if (path.startsWith('src/http/') && imported.target.startsWith('src/admin/')) broken.push(`${path} imports ${imported.target}: the service does not reach into operator code`);
      if ((path.startsWith('src/schema/') || path.startsWith('src/patterns/')) && /^src\/(http|cli|admin)\//.test(imported.target)) {
        broken.push(`${path} imports ${imported.target}: dependencies point down (schema <- patterns <- http, cli, admin)`);
      }
    }
    // Items are told apart by their keys (an entity's is()), never by which attributes they carry.
    for (const shape of text.matchAll(/['"]\w+['"] in (?:item|raw|head)\b/g)) broken.push(`${path} tells an item by its shape (${shape[0]}): use the entity's is()`);
  }
  return broken;
}

function sourceFiles(dir: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(join(ROOT, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [p, t] of sourceFiles(path)) files.set(p, t);
    else if (entry.name.endsWith('.ts')) files.set(relative('.', path), readFileSync(join(ROOT, path), 'utf8'));
  }
  return files;
}

describe('the architecture', () => {
  it('holds in src/', () => {
    const files = sourceFiles('src');
    expect(files.size).toBeGreaterThan(100);
    expect(violations(files)).toEqual([]);
  });

  it('keeps its allow-list to files that exist', () => {
    const files = sourceFiles('src');
    for (const path of Object.keys(ALLOWED)) expect(files.has(path), path).toBe(true);
  });

  it('sees each kind of violation', () => {
    const examples = new Map([
      ['src/admin/rogue.ts', "import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';"],
      ['src/derived/views/rogue.ts', "import {\n  PutItemCommand,\n  DescribeTableCommand,\n} from '@aws-sdk/client-dynamodb';"],
      ['src/cli/rogue.ts', "import * as ddb from '@aws-sdk/client-dynamodb';"],
      ['src/http/routes/rogue.ts', "import { describeTable } from '../../admin/table.js';"],
      ['src/patterns/rogue.ts', "import { run } from '../cli/main.js';"],
      ['src/schema/rogue.ts', "export { x } from '../http/app.js';"],
      ['src/derived/rogue.ts', "import { forEachScanPage } from '../patterns/audit/index.js';"],
      ['src/patterns/other.ts', "import { putBatch } from './bulk.js';"],
      ['src/patterns/shapes.ts', "if ('followers' in item) users.push(item);"],
      ['src/patterns/keyed.ts', "import { USER } from '../schema/key-prefixes.js';"],
    ]);
    const broken = violations(examples);
    expect(broken).toHaveLength(10);
    expect(broken.join('\n')).toContain('keyed.ts imports src/schema/key-prefixes.ts');
    expect(broken.join('\n')).toContain("tells an item by its shape ('followers' in item)");
    expect(broken.join('\n')).toContain('ScanCommand from');
    expect(broken.join('\n')).toContain('PutItemCommand from');
    expect(broken.join('\n')).not.toContain('DescribeTableCommand');
  });

  it('lets the data layer, type-only imports and control-plane commands through', () => {
    const fine = new Map([
      ['src/patterns/rogue.ts', "import { ScanCommand } from '@aws-sdk/lib-dynamodb';"],
      ['src/derived/store/rogue.ts', "import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';"],
      ['src/admin/rogue.ts', "import type { QueryCommandInput } from '@aws-sdk/lib-dynamodb';\nimport { CreateTableCommand } from '@aws-sdk/client-dynamodb';"],
      ['src/cli/rogue.ts', "import { describeTable } from '../admin/table.js';"],
      ['src/admin/rogue.ts', "import { forEachScanPage } from '../patterns/audit/index.js';"],
    ]);
    expect(violations(fine)).toEqual([]);
  });
});
