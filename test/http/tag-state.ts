/** What the tag and mention views keep, read whole for the tests that compare it before and after. */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { derivedDb } from '../../src/derived/store/index.js';
import type { Db } from '../../src/patterns/db.js';

/** Every tag entry, tag name and mention item in the derived table, as "PK SK [count]" (a test-only Scan). */
export async function tagAndMentionState(db: Db): Promise<string[]> {
  const derived = derivedDb(db);
  const page = await derived.doc.send(new ScanCommand({ TableName: derived.table }));
  return (page.Items ?? [])
    .filter((i) => /^TAGS?#/.test(String(i.PK)) || String(i.SK).includes('#mention#'))
    .map((i) => `${String(i.PK)} ${String(i.SK)}${i.count === undefined ? '' : ` ${String(i.count)}`}`)
    .sort();
}
