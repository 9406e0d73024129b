/** doctor's safety invariants: each one broken by a raw write, found, and repaired with counters exact. */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../src/admin/doctor.js';
import { auditSafety } from '../src/admin/safety-doctor.js';
import { blockUser, createUser, findFriendship, followUser, getUser, setPrivate, suspendUser, unsuspendUser } from '../src/patterns/index.js';
import { keys } from '../src/schema/keys.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['ann', 'ben', 'cat', 'dan']) {
    await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  }
});
afterAll(async () => {
  await db.drop();
});

const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));

describe('doctor: social safety', () => {
  it('finds nothing on a consistent table', async () => {
    await followUser(db, 'ann', 'ben');
    await blockUser(db, 'cat', 'dan');
    await setPrivate(db, 'dan', true);
    expect((await auditSafety(db.doc, db.table)).problems).toEqual([]);
  });

  it('finds and repairs each broken invariant, leaving the counters exact', async () => {
    // ann follows ben, then a block item appears without the block transaction.
    await put({ ...keys.block('ben', 'ann'), blocker: 'ben', blocked: 'ann', timestamp: '2026-01-01T00:00:00' });
    // cat follows ann and also has a request pending to ann.
    await followUser(db, 'cat', 'ann');
    await put({ ...keys.followRequest('ann', 'cat'), target: 'ann', requester: 'cat', timestamp: '2026-01-01T00:00:00' });
    // dan's private mark vanished; cat's blocking counter is wrong.
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('cat'), UpdateExpression: 'SET blocking = :n', ExpressionAttributeValues: { ':n': 5 } }));
    await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.followRequest('cat', 'dan'), target: 'cat', requester: 'dan', timestamp: '2026-01-01T00:00:00' } }));
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.privateMark('dan') }));

    const audit = await auditSafety(db.doc, db.table);
    expect(audit.problems.map((p) => p.type).sort()).toEqual(
      // The raw block also leaves ann's blockedBy (who blocks her, for list filters) at 0, and
      // neither name in the other's set (ben's blockingNames, ann's blockedByNames).
      ['blocked-follow', 'blocked-request', 'blocking-counter', 'private-mark', 'request-beside-follow', 'blocking-counter', 'blocked-by-counter', 'block-names', 'block-names'].sort(),
    );

    const fixed = await auditSafety(db.doc, db.table, { fix: true });
    expect(fixed.remaining).toEqual([]);
    expect(await findFriendship(db, 'ann', 'ben')).toBeUndefined();
    expect((await getUser(db, 'ben')).followers).toBe(0);
    expect((await getUser(db, 'ann')).following).toBe(0);
    const annItem = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user('ann') }));
    expect(annItem.Item?.blockedBy).toBe(1);
    expect(annItem.Item?.blockedByNames).toEqual(new Set(['ben']));
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });

  it("finds block name sets that differ from the block items (a name missing, a name left over) and repairs them if still as read", async () => {
    // cat blocks dan (the first test): cat's set loses dan and gains a stranger; dan's is gone.
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('cat'), UpdateExpression: 'SET blockingNames = :s', ExpressionAttributeValues: { ':s': new Set(['ann', 'stranger']) } }));
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('dan'), UpdateExpression: 'REMOVE blockedByNames' }));
    const audit = await auditSafety(db.doc, db.table);
    expect(audit.problems).toEqual([
      expect.objectContaining({ type: 'block-names', username: 'cat', attribute: 'blockingNames', stored: ['ann', 'stranger'], expected: ['dan'] }),
      expect.objectContaining({ type: 'block-names', username: 'dan', attribute: 'blockedByNames', stored: undefined, expected: ['cat'] }),
    ]);
    const fixed = await auditSafety(db.doc, db.table, { fix: true });
    expect(fixed.fixed).toBe(2);
    expect(fixed.remaining).toEqual([]);
    const item = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(u) }))).Item;
    expect((await item('cat'))?.blockingNames).toEqual(new Set(['dan']));
    expect((await item('dan'))?.blockedByNames).toEqual(new Set(['cat']));
  });

  it("finds a private mark whose hidden flag disagrees with the User item (suspended or being deleted) and repairs it as the User item says, if still as read", async () => {
    for (const username of ['eve', 'fay']) await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
    const mark = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.privateMark(u), ConsistentRead: true }))).Item;
    // eve is suspended but her mark is gone; fay is public and shown but a hidden mark is left.
    await suspendUser(db, 'eve', 'spam');
    expect(await mark('eve')).toMatchObject({ username: 'eve', hidden: true });
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.privateMark('eve') }));
    await put({ ...keys.privateMark('fay'), username: 'fay', hidden: true });
    const audit = await auditSafety(db.doc, db.table);
    expect(audit.problems).toHaveLength(2);
    expect(audit.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'private-mark', username: 'eve', private: false, hidden: true }),
        expect.objectContaining({ type: 'private-mark', username: 'fay', private: false, hidden: false }),
      ]),
    );
    const fixed = await auditSafety(db.doc, db.table, { fix: true });
    expect(fixed.remaining).toEqual([]);
    expect(await mark('eve')).toMatchObject({ username: 'eve', hidden: true });
    expect(await mark('fay')).toBeUndefined();
    // Lifting the suspension takes the mark away (eve is public), a private account keeps its mark unhidden.
    await unsuspendUser(db, 'eve');
    expect(await mark('eve')).toBeUndefined();
    await setPrivate(db, 'fay', true);
    await suspendUser(db, 'fay', 'spam');
    expect(await mark('fay')).toMatchObject({ hidden: true });
    await unsuspendUser(db, 'fay');
    expect(await mark('fay')).toEqual({ ...keys.privateMark('fay'), username: 'fay' });
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });
});
