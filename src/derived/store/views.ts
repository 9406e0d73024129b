/** The views' requests beyond plain puts and deletes (./writes.ts). */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call, isConditionFailure, type Db } from '../../patterns/db.js';
import { paginate } from '../../patterns/paging.js';
import { BIG_AUTHOR_ATTRIBUTE, derivedKeys } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { batchWrite, type DerivedWrite } from './writes.js';

/**
 * Lists or unlists one big author in the reader's big-authors item (FEED#<reader> / ~BIG), which
 * the feed read gets in the same Query as the entries: one attribute per author, so a replay sets
 * or removes the same attribute again. Unlisting never creates the item.
 */
export async function listBigAuthor(derived: Db, reader: string, author: string, listed: boolean): Promise<void> {
  const names = { '#a': BIG_AUTHOR_ATTRIBUTE + author };
  const update = listed
    ? { UpdateExpression: 'SET #a = :t', ExpressionAttributeNames: names, ExpressionAttributeValues: { ':t': true } }
    : { UpdateExpression: 'REMOVE #a', ConditionExpression: 'attribute_exists(#a)', ExpressionAttributeNames: names };
  try {
    await call(derived, 'listBigAuthor', () => derived.doc.send(new UpdateCommand({ TableName: derived.table, Key: derivedKeys.feedBigAuthors(reader), ...update })));
  } catch (error) {
    if (!listed && isConditionFailure(error)) return;
    throw error;
  }
}

/**
 * Keys of one partition's items (those whose sort key starts with `prefix`, when given) whose
 * `attribute` equals `value`, a page at a time: a Query with a filter, keys only. For the
 * bounded partitions (a feed, an activity list) where a view removes what one user caused.
 */
export async function forEachKeyPageWhere(
  derived: Db,
  range: { pk: string; prefix?: string },
  attribute: string,
  value: string,
  onPage: (items: RawItem[]) => Promise<void> | void,
): Promise<void> {
  const input = {
    KeyConditionExpression: range.prefix === undefined ? 'PK = :pk' : 'PK = :pk AND begins_with(SK, :prefix)',
    FilterExpression: '#f = :f',
    ProjectionExpression: 'PK, SK',
    ExpressionAttributeNames: { '#f': attribute },
    ExpressionAttributeValues: { ':pk': range.pk, ':f': value, ...(range.prefix === undefined ? {} : { ':prefix': range.prefix }) },
  };
  for await (const { Items: items } of paginate(derived, 'forEachKeyPageWhere', QueryCommand, input)) if (items.length > 0) await onPage(items);
}

/**
 * Keeps the newest `keep` entries of one Explore partition and deletes the rest: Query
 * descending, keys only, past the first `keep`, then BatchWriteItem deletes. Converges
 * whenever it runs (a replay deletes what is already gone). Returns the entries deleted.
 */
export async function trimPartition(derived: Db, pk: string, keep: number): Promise<number> {
  let seen = 0;
  const doomed: DerivedWrite[] = [];
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ProjectionExpression: 'PK, SK', ScanIndexForward: false };
  for await (const { Items: items } of paginate(derived, 'trimPartition', QueryCommand, input)) {
    for (const item of items) if (++seen > keep) doomed.push({ delete: { PK: String(item.PK), SK: String(item.SK) } });
  }
  await batchWrite(derived, doomed);
  return doomed.length;
}
