/**
 * Writes to the derived table. Every derived item has a deterministic key computed from the
 * source item, and every write is a plain Put or Delete of that key: replaying a stream record
 * rewrites the same item (or deletes an absent one), so effects are never duplicated.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { eachLimited } from '../limit.js';
import { backoff, call, forEachQueryPage, type Db } from '../patterns/db.js';
import type { ItemKey } from '../schema/keys.js';
import type { RawItem } from '../schema/items.js';
import { derivedTableName } from '../schema/table.js';

/** The same connection, pointed at the derived table (for queryPage, call and friends). */
export function derivedDb(db: Db): Db {
  return { ...db, table: derivedTableName(db.table) };
}

export type DerivedWrite = { put: RawItem } | { delete: ItemKey };

const BATCH_WRITE_LIMIT = 25;
const BATCH_ATTEMPTS = 10;
/** BatchWriteItem requests in flight for one large fan-out. */
export const WRITE_CONCURRENCY = 8;

/**
 * BatchWriteItem in chunks of 25, several in flight, UnprocessedItems retried with backoff.
 * A key may appear once per chunk only, so duplicates (a self-follow) are dropped first.
 */
export async function batchWrite(db: Db, writes: DerivedWrite[], concurrency = WRITE_CONCURRENCY): Promise<number> {
  const seen = new Set<string>();
  const unique = writes.filter((w) => {
    const key = 'put' in w ? `${String(w.put.PK)}\n${String(w.put.SK)}` : `${w.delete.PK}\n${w.delete.SK}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const chunks: DerivedWrite[][] = [];
  for (let i = 0; i < unique.length; i += BATCH_WRITE_LIMIT) chunks.push(unique.slice(i, i + BATCH_WRITE_LIMIT));
  let requests = 0;
  await eachLimited(chunks, concurrency, async (chunk) => {
    type Request = { PutRequest: { Item: RawItem } } | { DeleteRequest: { Key: ItemKey } };
    let pending: Request[] = chunk.map((w) => ('put' in w ? { PutRequest: { Item: w.put } } : { DeleteRequest: { Key: w.delete } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= BATCH_ATTEMPTS) throw errors.throttled();
      if (attempt > 0) await backoff(attempt, 50, 2_000);
      const result = await call(db, () => db.doc.send(new BatchWriteCommand({ RequestItems: { [db.table]: pending } })));
      requests++;
      pending = (result.UnprocessedItems?.[db.table] ?? []) as Request[];
    }
  });
  return requests;
}

/** Epoch seconds `days` from now: the TTL attribute of bounded derived items. */
export const expiresIn = (days: number, now = Date.now()): number => Math.floor(now / 1000) + Math.round(days * 86_400);

/**
 * Keeps the newest `keep` entries of one Explore partition and deletes the rest: Query
 * descending, keys only, past the first `keep`, then BatchWriteItem deletes. Converges
 * whenever it runs (a replay deletes what is already gone). Returns the entries deleted.
 */
export async function trimPartition(derived: Db, pk: string, keep: number): Promise<number> {
  let seen = 0;
  const doomed: DerivedWrite[] = [];
  await forEachQueryPage(derived, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'PK, SK', ScanIndexForward: false }, (items) => {
    for (const item of items) if (++seen > keep) doomed.push({ delete: { PK: String(item.PK), SK: String(item.SK) } });
  });
  await batchWrite(derived, doomed);
  return doomed.length;
}
