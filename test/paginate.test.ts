/**
 * The one paginator (src/patterns/paging.ts `paginate`) on DynamoDB Local, through both clients:
 * pages follow LastEvaluatedKey to the end, a consumer that stops sends nothing more, a start
 * key resumes where a page ended, Scan pages like Query, and `Limit` sizes every page. The
 * requests are counted under the pattern name they were sent with.
 */
import { BatchWriteCommand, QueryCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachMetrics, type Metrics } from '../src/engine/metrics.js';
import { type Db } from '../src/patterns/db.js';
import { paginate, type DbPage } from '../src/patterns/paging.js';
import { createTestDb, type TestDb } from './support/db.js';

// A throwaway table of its own: these keys are the test's, no product item's.
const PARTITION = 'PAGED#a';
const ITEMS = 25;
const sk = (i: number) => `N#${String(i).padStart(3, '0')}`;
const query = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': PARTITION } };

let db: TestDb;
const on = {} as Record<'sdk' | 'lean', { db: Db; metrics: Metrics }>;

beforeAll(async () => {
  db = await createTestDb({ index: false });
  const items = Array.from({ length: ITEMS }, (_, i) => ({ PK: PARTITION, SK: sk(i), odd: i % 2 === 1 }));
  for (let i = 0; i < items.length; i += 25) {
    await db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  on.sdk = { db: { ...db, doc: db.sdk }, metrics: attachMetrics(db.client) };
  on.lean = { db: { ...db, doc: db.patterns }, metrics: attachMetrics(db.lean!) };
});

afterAll(async () => {
  on.sdk.metrics.detach();
  on.lean.metrics.detach();
  await db.drop();
});

async function collect(pages: AsyncGenerator<DbPage>): Promise<DbPage[]> {
  const all: DbPage[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

const sks = (pages: DbPage[]) => pages.flatMap((p) => p.Items.map((item) => String(item.SK)));

describe.each(['sdk', 'lean'] as const)('paginate, %s client', (kind) => {
  it('follows LastEvaluatedKey to the last page, Limit items a page, one request a page, under its name', async () => {
    const { db, metrics } = on[kind];
    metrics.reset();
    const pages = await collect(paginate(db, 'test.pages', QueryCommand, { ...query, ConsistentRead: true, Limit: 10 }));
    expect(pages.map((p) => p.Items.length)).toEqual([10, 10, 5]);
    expect(sks(pages)).toEqual(Array.from({ length: ITEMS }, (_, i) => sk(i)));
    expect(pages.at(-1)?.LastEvaluatedKey).toBeUndefined();
    expect(metrics.byPattern()).toEqual({ 'test.pages': { Query: 3 } });
  });

  it('yields the empty page that ends a read of exactly Limit items a page', async () => {
    const { db } = on[kind];
    const pages = await collect(paginate(db, 'test.pages', QueryCommand, { ...query, ConsistentRead: true, Limit: 5 }));
    expect(pages.map((p) => p.Items.length)).toEqual([5, 5, 5, 5, 5, 0]);
  });

  it('sends no further request once the consumer stops', async () => {
    const { db, metrics } = on[kind];
    metrics.reset();
    const seen: string[] = [];
    for await (const page of paginate(db, 'test.stop', QueryCommand, { ...query, Limit: 4 })) {
      seen.push(...page.Items.map((item) => String(item.SK)));
      if (seen.length >= 8) break;
    }
    expect(seen).toEqual(Array.from({ length: 8 }, (_, i) => sk(i)));
    // Two pages read; a third request would have shown here, as the counts above show every page.
    expect(metrics.byPattern()).toEqual({ 'test.stop': { Query: 2 } });
  });

  it('starts at the given key and goes on from there', async () => {
    const { db } = on[kind];
    const first = await paginate(db, 'test.start', QueryCommand, { ...query, Limit: 10 }).next();
    const startKey = first.done ? undefined : first.value.LastEvaluatedKey;
    expect(startKey).toEqual({ PK: PARTITION, SK: sk(9) });
    const rest = await collect(paginate(db, 'test.start', QueryCommand, { ...query, Limit: 10 }, startKey));
    expect(sks(rest)).toEqual(Array.from({ length: ITEMS - 10 }, (_, i) => sk(i + 10)));
  });

  it('pages a Scan the same way', async () => {
    const { db, metrics } = on[kind];
    metrics.reset();
    const pages = await collect(paginate(db, 'test.scan', ScanCommand, { Limit: 7, ConsistentRead: true }));
    expect(pages.map((p) => p.Items.length)).toEqual([7, 7, 7, 4]);
    expect(sks(pages).sort()).toEqual(Array.from({ length: ITEMS }, (_, i) => sk(i)));
    expect(metrics.byPattern()).toEqual({ 'test.scan': { Scan: 4 } });
  });

  it('keeps Limit per page under a filter: pages carry what passed, the read goes on to the end', async () => {
    const { db } = on[kind];
    const input = { ...query, FilterExpression: 'odd = :yes', ExpressionAttributeValues: { ...query.ExpressionAttributeValues, ':yes': true }, Limit: 10 };
    const pages = await collect(paginate(db, 'test.filter', QueryCommand, input));
    // 10 items evaluated a page, of which the odd ones are returned.
    expect(pages.map((p) => p.Items.length)).toEqual([5, 5, 2]);
    expect(sks(pages)).toEqual(Array.from({ length: 12 }, (_, i) => sk(2 * i + 1)));
  });

  it('counts with Select COUNT across pages', async () => {
    const { db } = on[kind];
    let count = 0;
    for await (const page of paginate(db, 'test.count', QueryCommand, { ...query, Select: 'COUNT', Limit: 10 })) count += page.Count;
    expect(count).toBe(ITEMS);
  });
});
