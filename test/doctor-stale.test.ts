/**
 * doctor's repairs are conditional on what it read: each repair below is handed the problem
 * its audit reported, after a user's own write changed what made it a problem (a privacy
 * toggle, an unblock, a re-registration of a missing name). The repair does nothing, and what
 * the user wrote stays as written; a fresh audit has nothing left to repair.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditOnce, repairProblem, type Problem } from '../src/admin/doctor.js';
import { auditBlobs, repairBlobProblem } from '../src/admin/doctor-blobs.js';
import { createLocalBlobStore } from '../src/blobs/local.js';
import { auditSafetyOnce, repairSafetyProblem, type SafetyProblem } from '../src/admin/safety-doctor.js';
import { createUser, findFriendship, followUser, setPrivate } from '../src/patterns/index.js';
import { keys, type ItemKey } from '../src/schema/keys.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;

const newUser = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
const put = (item: Record<string, unknown>) => db.doc.send(new PutCommand({ TableName: db.table, Item: item }));
const remove = (key: ItemKey) => db.doc.send(new DeleteCommand({ TableName: db.table, Key: key }));
const exists = async (key: ItemKey) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }))).Item !== undefined;

async function safetyProblem(type: SafetyProblem['type'], about: string): Promise<SafetyProblem> {
  const found = (await auditSafetyOnce(db.doc, db.table)).problems.find((p) => p.type === type && JSON.stringify(p).includes(`"${about}"`));
  if (!found) throw new Error(`the audit did not report ${type} about ${about}`);
  return found;
}

async function problem(type: Problem['type'], about: string): Promise<Problem> {
  const found = (await auditOnce(db.doc, db.table)).problems.find((p) => p.type === type && JSON.stringify(p).includes(about));
  if (!found) throw new Error(`the audit did not report ${type} about ${about}`);
  return found;
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

describe('doctor --fix after the state it read changed', () => {
  it('does not put the private mark back once the user made the account public', async () => {
    await newUser('stale-pm1');
    await setPrivate(db, 'stale-pm1', true);
    await remove(keys.privateMark('stale-pm1'));
    const read = await safetyProblem('private-mark', 'stale-pm1');
    expect(read).toMatchObject({ private: true });
    // Between the audit and the repair, the user turns the account public.
    await setPrivate(db, 'stale-pm1', false);
    expect(await repairSafetyProblem(db.doc, db.table, read)).toBe(false);
    expect(await exists(keys.privateMark('stale-pm1'))).toBe(false);
    expect((await auditSafetyOnce(db.doc, db.table)).problems.filter((p) => JSON.stringify(p).includes('stale-pm1'))).toEqual([]);
  });

  it('does not delete the private mark once the user made the account private', async () => {
    await newUser('stale-pm2');
    await put({ ...keys.privateMark('stale-pm2'), username: 'stale-pm2' });
    const read = await safetyProblem('private-mark', 'stale-pm2');
    expect(read).toMatchObject({ private: false });
    await setPrivate(db, 'stale-pm2', true);
    expect(await repairSafetyProblem(db.doc, db.table, read)).toBe(false);
    expect(await exists(keys.privateMark('stale-pm2'))).toBe(true);
  });

  it('repairs the private mark when nothing changed (the condition is not always false)', async () => {
    await newUser('stale-pm3');
    await setPrivate(db, 'stale-pm3', true);
    await remove(keys.privateMark('stale-pm3'));
    expect(await repairSafetyProblem(db.doc, db.table, await safetyProblem('private-mark', 'stale-pm3'))).toBe(true);
    expect(await exists(keys.privateMark('stale-pm3'))).toBe(true);
  });

  it('does not end a follow whose block was lifted meanwhile', async () => {
    await newUser('stale-bf1');
    await newUser('stale-bf2');
    await followUser(db, 'stale-bf1', 'stale-bf2');
    // A block item written without the block transaction: the follow it should have ended stays.
    await put({ ...keys.block('stale-bf2', 'stale-bf1'), blocker: 'stale-bf2', blocked: 'stale-bf1', timestamp: '2026-01-01T00:00:00' });
    const read = await safetyProblem('blocked-follow', 'stale-bf1');
    // The block goes (as raw as it came: unblocking would also fix the counter it never raised).
    await remove(keys.block('stale-bf2', 'stale-bf1'));
    expect(await repairSafetyProblem(db.doc, db.table, read)).toBe(false);
    expect(await findFriendship(db, 'stale-bf1', 'stale-bf2')).toBeDefined();
  });

  it("does not delete a re-registered user's account item that an orphan had the key of", async () => {
    const account = keys.credentials('stale-reg');
    await put({ ...account, username: 'stale-reg', passwordHash: 'old' });
    const read = await problem('orphan-account-item', 'ACCOUNT#stale-reg');
    // The name is registered again: a user item, and the same credentials key written anew.
    await newUser('stale-reg');
    await put({ ...account, username: 'stale-reg', passwordHash: 'new' });
    expect(await repairProblem(db.doc, db.table, read)).toBe(false);
    expect(await exists(account)).toBe(true);
  });

  it('does not delete a follow of a user who was missing and exists again', async () => {
    await newUser('stale-of1');
    await put({ ...keys.friendship('stale-of2', 'stale-of1'), followedUser: 'stale-of2', followingUser: 'stale-of1', timestamp: '2026-01-01T00:00:00' });
    const read = await problem('orphan-friendship', 'stale-of2');
    await newUser('stale-of2');
    expect(await repairProblem(db.doc, db.table, read)).toBe(false);
    expect(await exists(keys.friendship('stale-of2', 'stale-of1'))).toBe(true);
  });

  it('does not remove an avatar set anew after the audit found the old one missing files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'qp-stale-blobs-'));
    try {
      const blobs = createLocalBlobStore(dir);
      await newUser('stale-av');
      const avatar = (name: string) => ({ variants: [{ name: 'thumb', format: 'webp', width: 1, height: 1, key: `avatars/stale-av/${name}.webp`, bytes: 1 }], placeholder: '' });
      const setAvatar = (value: unknown) =>
        db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('stale-av'), UpdateExpression: 'SET avatar = :a', ExpressionAttributeValues: { ':a': value } }));
      await setAvatar(avatar('old'));
      const read = (await auditBlobs(db, blobs, { graceSeconds: 0 })).problems.find((p) => p.type === 'missing-avatar-files' && p.username === 'stale-av');
      if (!read) throw new Error('the audit did not report the avatar');
      await setAvatar(avatar('new'));
      expect(await repairBlobProblem(db, blobs, read)).toBe(false);
      const user = await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user('stale-av'), ConsistentRead: true }));
      expect(user.Item?.avatar).toEqual(avatar('new'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
