/** Per-file test tables on the run's shared engine. */
import { randomBytes } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { createClients, type Clients } from '../../src/engine/client.js';
import { deleteTable, ensureTable } from '../../src/admin/table.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import type { DocClient } from '../../src/engine/doc-client.js';
import type { Db } from '../../src/patterns/db.js';
import { engineEndpoint, engineSocket } from './engine.js';

export const REFERENCE_DIR = new URL('../../../shared/reference/', import.meta.url).pathname;
export const REFERENCE_ITEMS = `${REFERENCE_DIR}quick-photos-items.json`;

/**
 * `doc` is the lean client, as the service, the stream handler and the CLI give the patterns
 * (and as `patterns` is); `sdk` is the SDK's DocumentClient, the reference the lean client is
 * tested against. The SDK's per-call middleware would otherwise be most of a test's own CPU.
 */
export interface TestDb extends Omit<Db, 'doc'>, Omit<Clients, 'doc'> {
  doc: DocClient;
  sdk: Clients['doc'];
  drop(): Promise<void>;
}

export function testClients(): Clients {
  return createClients({ endpoint: engineEndpoint(), socketPath: engineSocket(), local: true, requestTimeoutMs: 30_000, kind: 'lean' });
}

export function uniqueTableName(prefix = 'test'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

/** A fresh table (with its InvertedIndex) of a unique name; `drop()` deletes it. */
export async function createTestDb(options: { index?: boolean } = {}): Promise<TestDb> {
  const clients = testClients();
  const table = uniqueTableName();
  if (options.index === false) {
    const { createTable } = await import('../../src/admin/table.js');
    await createTable(clients.client, table);
  } else {
    await ensureTable(clients.client, table);
  }
  return {
    ...clients,
    doc: clients.patterns,
    sdk: clients.doc,
    table,
    cursors: createCursorCodec('test-cursor-secret-0123456789'),
    async drop() {
      await deleteTable(clients.client, table);
      clients.destroy();
    },
  };
}

/** The same table through the SDK's DocumentClient: for tests that count or capture through the SDK's middleware. */
export function onSdk(db: TestDb): TestDb {
  return { ...db, doc: db.sdk };
}

/** Items in a table, by a counting Scan (tests only: no access pattern ever scans). */
export async function countItems(db: Pick<Db, 'doc' | 'table'>): Promise<number> {
  let count = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: db.table, Select: 'COUNT', ExclusiveStartKey: start }));
    count += page.Count ?? 0;
    start = page.LastEvaluatedKey;
  } while (start);
  return count;
}

/** Whether a process still exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
