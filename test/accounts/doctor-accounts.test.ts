/** The audit's account checks: what a broken or interrupted account lifecycle leaves, found and repaired. */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOnce, auditTable, describeProblem } from '../../src/admin/doctor.js';
import { finishDeletion, signUp, startAccountDeletion } from '../../src/patterns/index.js';
import { keys } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;
const account = (username: string) => ({ username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01', password: `${username} passphrase ok` });

beforeAll(async () => {
  db = await createTestDb();
  for (const name of ['amy', 'bea', 'cal']) await signUp(db, account(name));
});

afterAll(async () => {
  await db.drop();
});

describe('doctor, accounts', () => {
  it('is clean for accounts made by the patterns', async () => {
    expect((await auditOnce(db.doc, db.table)).problems).toEqual([]);
  });

  it('finds stray claims and account items, stuck and pending deletions; repairs what it can', async () => {
    await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.emailClaim('ghost@example.com'), username: 'ghost' } }));
    await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.session('ghost', 'AAAAAAAAAAAAAAAA'), currentHash: 'x' } }));
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('amy'), UpdateExpression: 'SET email = :e', ExpressionAttributeValues: { ':e': 'moved@example.com' } }));
    await startAccountDeletion(db, 'bea');
    await startAccountDeletion(db, 'cal');
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.deletionJob('cal') }));

    const report = await auditOnce(db.doc, db.table);
    expect(report.problems.map((p) => p.type).sort()).toEqual(['deleting-without-job', 'deletion-pending', 'orphan-account-item', 'orphan-email-claim', 'orphan-email-claim']);
    expect(report.problems.map(describeProblem).join('\n')).toContain('finish-deletions');

    const fixed = await auditTable(db.doc, db.table, { fix: true });
    // Only the deletions remain, and the job the repair put back lets them finish.
    expect(fixed.remaining?.map((p) => p.type).sort()).toEqual(['deletion-pending', 'deletion-pending']);
    for (const name of ['bea', 'cal']) expect(await finishDeletion(db, name, { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    expect((await auditOnce(db.doc, db.table)).problems).toEqual([]);
  });
});
