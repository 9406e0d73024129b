/**
 * Stream records decode whatever attribute types the table holds, read from DynamoDB Local's
 * real stream (not hand-written JSON): an empty map or list is a value like any other.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toChange } from '../../src/derived/records.js';
import type { StreamRecord } from '../../src/derived/stream.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { streamRecords } from './support.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

const allRecords = async (): Promise<StreamRecord[]> => [...(await streamRecords(db.client, db.table)).values()].flat();

describe('stream record decoding', () => {
  it('decodes an empty map, an empty list and a nested empty map from a real record', async () => {
    await db.client.send(
      new PutItemCommand({
        TableName: db.table,
        Item: {
          PK: { S: 'USER#emptymap' },
          SK: { S: '#METADATA#emptymap' },
          settings: { M: {} },
          tags: { L: [] },
          nested: { M: { inner: { M: {} }, list: { L: [{ M: {} }] } } },
        },
      }),
    );
    const record = (await allRecords()).find((r) => r.dynamodb?.Keys?.PK?.S === 'USER#emptymap');
    expect(record).toBeDefined();
    const change = toChange(record!);
    expect(change?.newImage).toEqual({ PK: 'USER#emptymap', SK: '#METADATA#emptymap', settings: {}, tags: [], nested: { inner: {}, list: [{}] } });
  });
});
