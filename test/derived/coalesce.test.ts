/**
 * Coalesced derived-table writes (src/derived/store/coalesce.ts), on the real engine: held
 * writes go out 25 to a request, before any other request to the derived table, the later of
 * two writes to one key wins, and the main table is never held back. The bulk derivation that
 * uses them is compared with the worker's replay in test/derived/initial.test.ts.
 */
import { BatchWriteCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalesceDerivedWrites } from '../../src/derived/store/index.js';
import { attachMetrics, requestCounts } from '../../src/engine/metrics.js';
import { derivedTableName } from '../../src/schema/table.js';
import { countItems, createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;
let derived: string;

beforeAll(async () => {
  db = await createTestDb();
  derived = derivedTableName(db.table);
});

afterAll(async () => {
  await db?.drop();
});

const put = (pk: string, sk: string, value = 0) => ({ PutRequest: { Item: { PK: pk, SK: sk, value } } });

describe('coalesced derived writes', () => {
  it('writes 100 one-item batches in 4 requests, once flushed', async () => {
    const coalesced = coalesceDerivedWrites(db);
    const metrics = attachMetrics(db.lean!);
    try {
      for (let i = 0; i < 100; i++) await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [put('T#a', `S#${i}`)] } }));
      expect(requestCounts(metrics.snapshot())).toEqual({});
      await coalesced.flush();
      expect(requestCounts(metrics.snapshot())).toEqual({ BatchWriteItem: 4 });
    } finally {
      metrics.detach();
    }
    expect(await countItems({ ...db, table: derived })).toBeGreaterThanOrEqual(100);
  });

  it('sends what it holds before any other request to the derived table; the later write to a key wins', async () => {
    const coalesced = coalesceDerivedWrites(db);
    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [put('T#b', 'S#1', 1)] } }));
    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [put('T#b', 'S#1', 2)] } }));
    const read = await coalesced.db.doc.send(new GetCommand({ TableName: derived, Key: { PK: 'T#b', SK: 'S#1' } }));
    expect(read.Item).toEqual({ PK: 'T#b', SK: 'S#1', value: 2 });

    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [put('T#b', 'S#2', 1)] } }));
    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [{ DeleteRequest: { Key: { PK: 'T#b', SK: 'S#2' } } }] } }));
    await coalesced.db.doc.send(new PutCommand({ TableName: derived, Item: { PK: 'T#b', SK: 'S#3' } }));
    expect((await db.doc.send(new GetCommand({ TableName: derived, Key: { PK: 'T#b', SK: 'S#2' } }))).Item).toBeUndefined();
  });

  it('never holds back a request to the main table', async () => {
    const coalesced = coalesceDerivedWrites(db);
    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: [put('T#c', 'S#1')] } }));
    expect((await db.doc.send(new GetCommand({ TableName: db.table, Key: { PK: 'T#c', SK: 'S#1' } }))).Item).toBeDefined();
  });

  it('reports a failed flush at the next flush', async () => {
    const coalesced = coalesceDerivedWrites(db);
    // An item without its sort key: the engine refuses the whole request.
    await coalesced.db.doc.send(new BatchWriteCommand({ RequestItems: { [derived]: [{ PutRequest: { Item: { PK: 'T#d' } } }] } }));
    await expect(coalesced.flush()).rejects.toThrow();
    await expect(coalesced.flush()).rejects.toThrow();
  });
});
