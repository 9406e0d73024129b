/**
 * A worker beside the API (`npm start`) is woken by the API's writes (src/derived/wake.ts): with
 * an idle poll of ten minutes, a new photo still reaches its follower's feed, and `drain()`
 * returns, only because the write (or the drain) nudged the worker. On either DynamoDB client.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { writtenTables } from '../../src/derived/wake.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import type { Db } from '../../src/patterns/db.js';
import { createUser, followUser, uploadPhoto } from '../../src/patterns/index.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';

/** Longer than any test here waits: a record read at all was read because of a nudge. */
const settings = { ...loadConfig({}).derived, pollMs: 600_000 };
let db: TestDb;

async function feedOf(reader: string): Promise<string[]> {
  const derived = derivedDb(db);
  const result = await derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk } }));
  return (result.Items ?? []).map((item) => String(item.SK));
}

beforeAll(async () => {
  db = await createTestDb();
});

afterAll(async () => {
  await db.drop();
});

describe('a worker woken by writes', () => {
  /** A worker whose first pass has read the stream as it is: after it, only a nudge starts another. */
  async function idleWorker(wakeOn: unknown[]): Promise<Worker> {
    const worker = createWorker({ client: db.client, db, settings, wakeOn });
    await expect.poll(() => worker.status().views.every((view) => view.caughtUpAt !== null)).toBe(true);
    return worker;
  }

  async function pair(prefix: string, api: Db): Promise<{ author: string; reader: string }> {
    const author = `${prefix}-author`;
    const reader = `${prefix}-reader`;
    await createUser(api, { username: author, name: 'A', email: `${author}@example.com`, birthdate: '1990-01-01' });
    await createUser(api, { username: reader, name: 'R', email: `${reader}@example.com`, birthdate: '1990-01-01' });
    await followUser(api, reader, author);
    return { author, reader };
  }

  for (const kind of ['sdk', 'lean'] as const) {
    it(`reads a write made through the ${kind} client it was given without waiting out its idle poll`, async () => {
      const api: Db = { ...db, doc: kind === 'sdk' ? db.sdk : db.patterns };
      const worker = await idleWorker([api.doc]);
      try {
        const { author, reader } = await pair(kind, api);
        const photo = await uploadPhoto(api, { username: author, location: 'file:///woken.png' });
        await expect.poll(() => feedOf(reader)).toContain(`${photo.timestamp}#${author}`);
      } finally {
        await worker.stop();
      }
    });
  }

  it('drain() nudges a worker that hears of no writes: it would otherwise wait for the idle poll, ten minutes away', async () => {
    const worker = await idleWorker([]);
    try {
      const { author, reader } = await pair('drained', db);
      const photo = await uploadPhoto(db, { username: author, location: 'file:///drained.png' });
      await worker.drain(30_000);
      expect(await feedOf(reader)).toContain(`${photo.timestamp}#${author}`);
    } finally {
      await worker.stop();
    }
  });

  it('counts the tables each write operation writes to, and nothing else', () => {
    expect(writtenTables('PutItem', { TableName: 'main' })).toEqual(['main']);
    expect(writtenTables('UpdateItem', { TableName: 'main' })).toEqual(['main']);
    expect(writtenTables('DeleteItem', { TableName: 'main' })).toEqual(['main']);
    expect(writtenTables('BatchWriteItem', { RequestItems: { main: [], derived: [] } })).toEqual(['main', 'derived']);
    expect(writtenTables('TransactWriteItems', { TransactItems: [{ ConditionCheck: { TableName: 'checked' } }, { Put: { TableName: 'main' } }, { Delete: { TableName: 'other' } }] })).toEqual(['main', 'other']);
    expect(writtenTables('GetItem', { TableName: 'main' })).toEqual([]);
    expect(writtenTables('Query', { TableName: 'main' })).toEqual([]);
  });
});
