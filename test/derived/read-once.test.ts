/**
 * Main-table reads of a bulk derivation sent once each (src/derived/store/read-once.ts), on the
 * real engine: a repeated read is answered from the first, each caller with its own copy;
 * identical reads in flight share one request; a write to the main table ends what was kept;
 * the derived table's reads are never kept; the answers kept are bounded. The derivation that
 * uses it is compared with the worker's replay, and its reads counted, in
 * test/derived/initial.test.ts.
 *
 * Then the reads stream records share (`sharedReads`), where others write the table meanwhile:
 * an answer serves only the records read from the stream before its request was sent. The
 * Lambda handler's reads with it are counted in test/derived/lambda.test.ts.
 */
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnce, sharedReads } from '../../src/derived/store/index.js';
import { attachMetrics, requestCounts, type Metrics } from '../../src/engine/metrics.js';
import { derivedTableName } from '../../src/schema/table.js';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;
let metrics: Metrics;

beforeAll(async () => {
  db = await createTestDb();
  await db.doc.send(new PutCommand({ TableName: db.table, Item: { PK: 'T#a', SK: 'S#1', value: 1 } }));
  await db.doc.send(new PutCommand({ TableName: derivedTableName(db.table), Item: { PK: 'T#a', SK: 'S#1', value: 1 } }));
  metrics = attachMetrics(db.lean!);
});

afterAll(async () => {
  metrics?.detach();
  await db?.drop();
});

const getA = () => new GetCommand({ TableName: db.table, Key: { PK: 'T#a', SK: 'S#1' } });
const queryA = () => new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'T#a' } });
const counted = async (action: () => Promise<unknown>) => {
  metrics.reset();
  await action();
  return requestCounts(metrics.snapshot());
};

describe('reads sent once', () => {
  it('answers a repeated GetItem and Query from the first, each caller with a copy of its own', async () => {
    const once = readOnce(db);
    const counts = await counted(async () => {
      const first = await once.doc.send(getA());
      (first.Item as Record<string, unknown>).value = 99;
      expect((await once.doc.send(getA())).Item).toEqual({ PK: 'T#a', SK: 'S#1', value: 1 });
      expect((await once.doc.send(queryA())).Items).toEqual([{ PK: 'T#a', SK: 'S#1', value: 1 }]);
      expect((await once.doc.send(queryA())).Items).toEqual([{ PK: 'T#a', SK: 'S#1', value: 1 }]);
    });
    expect(counts).toEqual({ GetItem: 1, Query: 1 });
  });

  it('shares one request among identical reads in flight together', async () => {
    const once = readOnce(db);
    const counts = await counted(() => Promise.all(Array.from({ length: 8 }, () => once.doc.send(getA()))));
    expect(counts).toEqual({ GetItem: 1 });
  });

  it('reads again after a write to the main table, its own or one in flight beside the read', async () => {
    const once = readOnce(db);
    const counts = await counted(async () => {
      expect((await once.doc.send(getA())).Item?.value).toBe(1);
      await once.doc.send(new UpdateCommand({ TableName: db.table, Key: { PK: 'T#a', SK: 'S#1' }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':v': 2 } }));
      expect((await once.doc.send(getA())).Item?.value).toBe(2);
      // A read started beside a write is not kept: the next read asks again.
      const write = once.doc.send(new UpdateCommand({ TableName: db.table, Key: { PK: 'T#a', SK: 'S#1' }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':v': 3 } }));
      await once.doc.send(getA());
      await write;
      expect((await once.doc.send(getA())).Item?.value).toBe(3);
    });
    expect(counts).toEqual({ GetItem: 4, UpdateItem: 2 });
  });

  it('never keeps a read of another table (the derived one)', async () => {
    const once = readOnce(db);
    const get = () => new GetCommand({ TableName: derivedTableName(db.table), Key: { PK: 'T#a', SK: 'S#1' } });
    expect(await counted(async () => {
      await once.doc.send(get());
      await once.doc.send(get());
    })).toEqual({ GetItem: 2 });
  });

  it('keeps a bounded number of answers, letting the oldest go first', async () => {
    const once = readOnce(db, 2);
    const get = (sk: string) => new GetCommand({ TableName: db.table, Key: { PK: 'T#a', SK: sk } });
    const counts = await counted(async () => {
      for (const sk of ['S#1', 'S#2', 'S#3']) await once.doc.send(get(sk));
      await once.doc.send(get('S#3'));
      await once.doc.send(get('S#2'));
      await once.doc.send(get('S#1'));
    });
    expect(counts).toEqual({ GetItem: 4 });
  });

  it('keeps no failed read: the next asks again', async () => {
    const once = readOnce(db);
    const bad = () => new GetCommand({ TableName: db.table, Key: { PK: 'T#a' } });
    const counts = await counted(async () => {
      await expect(once.doc.send(bad())).rejects.toThrow();
      await expect(once.doc.send(bad())).rejects.toThrow();
    });
    expect(counts).toEqual({ GetItem: 2 });
  });
});

describe('reads shared by stream records', () => {
  const setValue = (value: number) =>
    db.doc.send(new UpdateCommand({ TableName: db.table, Key: { PK: 'T#a', SK: 'S#1' }, UpdateExpression: 'SET #v = :v', ExpressionAttributeNames: { '#v': 'value' }, ExpressionAttributeValues: { ':v': value } }));

  it('shares an answer between the records of the batches read before it was asked', async () => {
    const shared = sharedReads(db);
    const first = shared.batchRead();
    const second = shared.batchRead();
    const counts = await counted(async () => {
      await shared.applying(second, () => shared.db.doc.send(getA()));
      await shared.applying(first, () => shared.db.doc.send(getA()));
      await shared.applying(second, () => Promise.all([shared.db.doc.send(getA()), shared.db.doc.send(queryA())]));
      await shared.applying(first, () => shared.db.doc.send(queryA()));
    });
    expect(counts).toEqual({ GetItem: 1, Query: 1 });
  });

  it('never serves a record read after the answer was asked: it sees the write that record carries', async () => {
    const shared = sharedReads(db);
    const earlier = shared.batchRead();
    await setValue(10);
    expect((await shared.applying(earlier, () => shared.db.doc.send(getA()))).Item?.value).toBe(10);
    // Another writer changes the item; the stream record of that write comes in a later batch.
    await setValue(11);
    const later = shared.batchRead();
    const counts = await counted(async () => {
      expect((await shared.applying(later, () => shared.db.doc.send(getA()))).Item?.value).toBe(11);
      // The newer answer serves the earlier batch's records as well: asked after they were read.
      expect((await shared.applying(earlier, () => shared.db.doc.send(getA()))).Item?.value).toBe(11);
    });
    expect(counts).toEqual({ GetItem: 1 });
  });

  it('sends every read outside a record, and again after forget() (a retry)', async () => {
    const shared = sharedReads(db);
    const mark = shared.batchRead();
    const counts = await counted(async () => {
      await shared.db.doc.send(getA());
      await shared.db.doc.send(getA());
      await shared.applying(mark, () => shared.db.doc.send(getA()));
      shared.forget();
      await shared.applying(mark, () => shared.db.doc.send(getA()));
      await shared.applying(mark, () => shared.db.doc.send(getA()));
    });
    expect(counts).toEqual({ GetItem: 4 });
  });
});
