/** A bulk load cut off mid-file and run again ends with exactly the file's items. */
import { readFileSync } from 'node:fs';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { loadItems } from '../../src/admin/load.js';
import { createTestDb, REFERENCE_ITEMS, type TestDb } from '../support/db.js';

let db: TestDb;
const lines = readFileSync(REFERENCE_ITEMS, 'utf8').split('\n');

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

async function keysInTable(): Promise<Set<string>> {
  const found = new Set<string>();
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(new ScanCommand({ TableName: db.table, ProjectionExpression: 'PK, SK', ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) found.add(`${String(item.PK)} ${String(item.SK)}`);
    start = page.LastEvaluatedKey;
  } while (start);
  return found;
}

describe('an interrupted bulk load', () => {
  it('fails loudly when its input dies, and a re-run completes the table exactly', async () => {
    // The reader dies after 400 lines, as a killed pipe or a crashed disk read would.
    function* dying(): Generator<string> {
      for (const [i, line] of lines.entries()) {
        if (i === 400) throw new Error('input lost');
        yield line;
      }
    }
    await expect(loadItems(db.doc, db.table, dying())).rejects.toThrow('input lost');
    const partial = await keysInTable();
    expect(partial.size).toBeGreaterThan(0);
    expect(partial.size).toBeLessThan(967);

    const rerun = await loadItems(db.doc, db.table, lines);
    expect(rerun.written).toBe(967);
    const expected = new Set(
      lines.filter((l) => l.trim()).map((l) => {
        const item = JSON.parse(l) as { PK: string; SK: string };
        return `${item.PK} ${item.SK}`;
      }),
    );
    expect(await keysInTable()).toEqual(expected);
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });
});
