/** The worker's own items in the derived table: its heartbeat (WORKERSTATUS / <view>) and its dead letters (DEADLETTER#<view> / <sequenceNumber>). */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { call, conditional, type Db } from '../../patterns/db.js';
import { paginate } from '../../patterns/paging.js';
import { derivedKeys, derivedRanges } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';

/** One PutItem per view: its status as of `updatedAt`. */
export async function putWorkerStatus(derived: Db, statuses: { view: string }[], updatedAt: string): Promise<void> {
  await Promise.all(
    statuses.map((status) => call(derived, 'writeHeartbeat', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...derivedKeys.workerStatus(status.view), status, updatedAt } })))),
  );
}

/** Query `PK = WORKERSTATUS`: every view's heartbeat, one request. */
export async function queryWorkerStatus(derived: Db): Promise<RawItem[]> {
  const result = await call(derived, 'readHeartbeat', () =>
    derived.doc.send(new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.workerStatus().pk } })),
  );
  return (result.Items ?? []) as RawItem[];
}

/** PutItem of a dead letter (`fields`: what it records); a later failure of the same record overwrites it. */
export async function putDeadLetter(derived: Db, view: string, sequenceNumber: string, fields: RawItem): Promise<void> {
  await call(derived, 'writeDeadLetter', () => derived.doc.send(new PutCommand({ TableName: derived.table, Item: { ...derivedKeys.deadLetter(view, sequenceNumber), ...fields } })));
}

/** Every dead letter of one view, a page at a time (Query `PK = DEADLETTER#<view>`). */
export async function forEachDeadLetterPage(derived: Db, view: string, onPage: (items: RawItem[]) => void): Promise<void> {
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.deadLetters(view).pk } };
  for await (const { Items: items } of paginate(derived, 'listDeadLetters', QueryCommand, input)) if (items.length > 0) onPage(items);
}

/** How many dead letters one view has: COUNT Queries, paged. */
export async function countDeadLetterItems(derived: Db, view: string): Promise<number> {
  let count = 0;
  const input = { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.deadLetters(view).pk }, Select: 'COUNT' as const };
  for await (const page of paginate(derived, 'countDeadLetters', QueryCommand, input)) count += page.Count;
  return count;
}

/** DeleteItem of a dead letter once its record applied. */
export async function deleteDeadLetter(derived: Db, view: string, sequenceNumber: string): Promise<void> {
  await call(derived, 'redrive', () => derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: derivedKeys.deadLetter(view, sequenceNumber) })));
}

/**
 * DeleteItem of a dead letter an operator drops without applying it (`worker discard`): once its
 * item was mended by hand (that write's own record is applied), or a record nothing can decode,
 * which no redrive applies. False when there is no such letter.
 */
export function discardDeadLetter(derived: Db, view: string, sequenceNumber: string): Promise<boolean> {
  return conditional(derived, 'discardDeadLetter', () =>
    derived.doc.send(new DeleteCommand({ TableName: derived.table, Key: derivedKeys.deadLetter(view, sequenceNumber), ConditionExpression: 'attribute_exists(PK)' })),
  );
}
