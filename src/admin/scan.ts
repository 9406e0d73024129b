/**
 * Whole-table reads for operators (a rebuild, the derive of a bulk load). Scan lives here, in
 * admin, and nowhere in the service or the worker: their IAM policies grant no Scan
 * (test/iam-policy.test.ts reads which operations their code names).
 */
import { ScanCommand, type ScanCommandInput } from '@aws-sdk/lib-dynamodb';
import { call, type Db } from '../patterns/db.js';
import type { RawItem } from '../schema/entity.js';

/** Every page of a Scan of the main table, in order, one page in memory at a time. */
export async function forEachScanPage(
  db: Db,
  input: Omit<ScanCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  onPage: (items: RawItem[]) => Promise<void> | void,
): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await call(db, () => db.doc.send(new ScanCommand({ ...input, TableName: db.table, ExclusiveStartKey: start })));
    const items = (page.Items ?? []) as RawItem[];
    if (items.length > 0) await onPage(items);
    start = page.LastEvaluatedKey;
  } while (start);
}
