/**
 * Whole-table reads for operators (doctor's audits, a rebuild, the derive of a bulk load).
 * Scan lives here, in the audit patterns, which only src/admin/ imports: the service's and the
 * worker's IAM policies grant no Scan (test/iam-policy.test.ts reads which operations their
 * code names, and leaves this folder out).
 */
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { batchGet, type Db } from '../db.js';
import { paginate } from '../paging.js';
import type { ItemKey } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { derivedTableName } from '../../schema/table.js';

/** Every page of a Scan of `db.table`, in order, one page in memory at a time. */
export async function forEachScanPage(
  db: Db,
  input: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  onPage: (items: RawItem[]) => Promise<void> | void,
): Promise<void> {
  for await (const { Items: items } of paginate(db, 'forEachScanPage', ScanCommand, input)) if (items.length > 0) await onPage(items);
}

/**
 * Every item of the main table, strongly consistent (an audit compares items with each other),
 * in `segments` parallel Scan segments: the engine does the work, so a few suffice.
 */
export async function forEachTableItem(db: Db, segments: number, onPage: (items: RawItem[]) => void): Promise<void> {
  await Promise.all(
    Array.from({ length: segments }, (_, segment) =>
      forEachScanPage(db, { ConsistentRead: true, ...(segments > 1 ? { Segment: segment, TotalSegments: segments } : {}) }, onPage),
    ),
  );
}

/** The items that hold or name stored files (photos, avatars, upload slots), with only those attributes. */
export async function forEachImageHolder(db: Db, onPage: (items: RawItem[]) => void): Promise<void> {
  await forEachScanPage(
    db,
    {
      ProjectionExpression: 'PK, SK, variants, placeholder, avatar, #k, #loc, partsId',
      FilterExpression: 'attribute_exists(variants) OR attribute_exists(avatar) OR attribute_exists(#k) OR attribute_exists(#loc)',
      ExpressionAttributeNames: { '#k': 'key', '#loc': 'location' },
      ConsistentRead: true,
    },
    onPage,
  );
}

/** Every item of the derived table (feeds, activity, directory tokens, the worker's own items). */
export async function forEachDerivedItem(db: Db, onPage: (items: RawItem[]) => Promise<void> | void): Promise<void> {
  await forEachScanPage({ ...db, table: derivedTableName(db.table) }, {}, onPage);
}

/** The main-table items at `wanted` that exist, in any order: what an audit checks its findings against. */
export function getItems(db: Db, wanted: ItemKey[]): Promise<RawItem[]> {
  return batchGet(db, 'auditDerived', wanted);
}
