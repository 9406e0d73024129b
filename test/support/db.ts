/** Per-file test tables on the run's shared engine. */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createClients, type Clients } from '../../src/engine/client.js';
import { deleteTable, ensureTable } from '../../src/admin/table.js';
import { createCursorCodec } from '../../src/patterns/cursor.js';
import type { Db } from '../../src/patterns/db.js';

export const REFERENCE_DIR = new URL('../../../shared/reference/', import.meta.url).pathname;
export const REFERENCE_ITEMS = `${REFERENCE_DIR}quick-photos-items.json`;

export interface TestDb extends Db, Clients {
  drop(): Promise<void>;
}

export function testClients(): Clients {
  return createClients({ endpoint: inject('dynamodbEndpoint'), local: true, requestTimeoutMs: 30_000 });
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
    table,
    cursors: createCursorCodec('test-cursor-secret-0123456789'),
    async drop() {
      await deleteTable(clients.client, table);
      clients.client.destroy();
    },
  };
}
