/**
 * Bulk writes for operators (`table load`, the sample data of `npm start`): one
 * BatchWriteItem of puts. Imported by src/admin/ only: the service's policy grants no
 * BatchWriteItem on the main table (test/iam-policy.test.ts leaves this file out).
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import type { DocClient } from '../engine/doc-client.js';
import type { RawItem } from '../schema/entity.js';

/** At most this many items per BatchWriteItem. */
export const BATCH_WRITE_SIZE = 25;

/**
 * Puts `items` (at most 25, no key twice) into `table` with one BatchWriteItem; returns the
 * items the engine left unprocessed, to send again. SDK errors are thrown as they are, so the
 * caller can tell a busy engine (retry) from a bad request.
 */
export async function putBatch(doc: DocClient, table: string, items: RawItem[]): Promise<RawItem[]> {
  const response = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: items.map((Item) => ({ PutRequest: { Item } })) } }));
  return (response.UnprocessedItems?.[table] ?? []).flatMap((r) => (r.PutRequest?.Item ? [r.PutRequest.Item as RawItem] : []));
}
