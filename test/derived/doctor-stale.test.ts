/**
 * doctor's derived repairs are conditional on what it read in the main table: a followed
 * celebrity entry found stray (its reader did not follow the author) is kept when the reader
 * follows the author between the audit and the repair.
 */
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditDerived, repairDerivedProblem } from '../../src/admin/doctor-derived.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { createUser, followUser } from '../../src/patterns/index.js';
import { derivedKeys } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['stale-reader', 'stale-star']) await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
});
afterAll(async () => {
  await db.drop();
});

describe('doctor --fix on derived data after the source came back', () => {
  it('keeps a followed-celebrity entry once the reader follows the author again', async () => {
    const derived = derivedDb(db);
    const entry = derivedKeys.celebrityFollow('stale-reader', 'stale-star');
    await derived.doc.send(new PutCommand({ TableName: derived.table, Item: entry }));
    const read = (await auditDerived(db)).problems.find((p) => p.key.PK === entry.PK && p.key.SK === entry.SK);
    if (!read) throw new Error('the audit did not report the entry');
    await followUser(db, 'stale-reader', 'stale-star');
    expect(await repairDerivedProblem(db, read)).toBe(false);
    expect((await derived.doc.send(new GetCommand({ TableName: derived.table, Key: entry, ConsistentRead: true }))).Item).toBeDefined();
  });
});
