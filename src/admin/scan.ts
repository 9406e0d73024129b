/**
 * Whole-table reads for operators (a rebuild, the derive of a bulk load). Scan lives here, in
 * admin, and nowhere in the service or the worker: their IAM policies grant no Scan
 * (test/iam-policy.test.ts reads which operations their code names), so the paginator
 * (src/patterns/db.ts) is handed the command from here.
 */
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { paginate, type Db } from '../patterns/db.js';
import type { RawItem } from '../schema/entity.js';

/** Every non-empty page of a Scan of the main table, in order, one page in memory at a time. */
export async function forEachScanPage(
  db: Db,
  input: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  onPage: (items: RawItem[]) => Promise<void> | void,
): Promise<void> {
  for await (const { Items: items } of paginate(db, 'forEachScanPage', ScanCommand, input)) if (items.length > 0) await onPage(items);
}
