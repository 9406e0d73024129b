/**
 * Blocks racing the writes they forbid: whatever order DynamoDB commits them in, no follow
 * survives between a blocked pair and every counter equals the items it counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../src/admin/doctor.js';
import { isDomainError } from '../src/errors.js';
import {
  approveRequest,
  blockUser,
  createUser,
  deleteRequest,
  findFriendship,
  findRequest,
  followUser,
  getUser,
  requestFollow,
  setPrivate,
  unblockUser,
  unfollowUser,
} from '../src/patterns/index.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['star', 'fan', 'other', 'shy', ...Array.from({ length: 8 }, (_, i) => `asker${i}`)]) {
    await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  }
});
afterAll(async () => {
  await db.drop();
});

/** Settles every promise; rethrows anything that is not one of the expected domain errors. */
async function settle(tasks: Promise<unknown>[], expected: string[]): Promise<void> {
  for (const result of await Promise.allSettled(tasks)) {
    if (result.status === 'rejected' && !(isDomainError(result.reason) && expected.includes(result.reason.code))) throw result.reason;
  }
}

describe('a follow racing a block', () => {
  it('never leaves a follow between the pair, and keeps counters exact, round after round', async () => {
    for (let round = 0; round < 8; round++) {
      // Both follow each other, and a third user follows star, then star blocks fan while
      // fan re-follows and unfollows as fast as it can.
      await settle([followUser(db, 'other', 'star')], ['ALREADY_FOLLOWING']);
      await settle([followUser(db, 'star', 'fan'), followUser(db, 'fan', 'star')], ['ALREADY_FOLLOWING']);
      await settle(
        [
          blockUser(db, 'star', 'fan'),
          followUser(db, 'fan', 'star'),
          unfollowUser(db, 'fan', 'star'),
          followUser(db, 'fan', 'star'),
          followUser(db, 'star', 'fan'),
        ],
        ['ALREADY_FOLLOWING', 'NOT_FOLLOWING', 'USER_NOT_FOUND', 'USER_BLOCKED'],
      );
      expect(await findFriendship(db, 'fan', 'star')).toBeUndefined();
      expect(await findFriendship(db, 'star', 'fan')).toBeUndefined();
      expect((await getUser(db, 'star')).followers).toBe(1);
      expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
      await unblockUser(db, 'star', 'fan');
    }
    expect((await getUser(db, 'fan')).following).toBe(0);
  });
});

describe('an approval racing a cancel', () => {
  it('applies exactly one of them, and the counters follow whichever won', async () => {
    await setPrivate(db, 'shy', true);
    const askers = Array.from({ length: 8 }, (_, i) => `asker${i}`);
    for (const asker of askers) await requestFollow(db, asker, 'shy');
    await settle(
      askers.flatMap((asker) => [approveRequest(db, 'shy', asker), deleteRequest(db, asker, 'shy')]),
      ['REQUEST_NOT_FOUND'],
    );
    let followers = 0;
    for (const asker of askers) {
      expect(await findRequest(db, asker, 'shy')).toBeUndefined();
      const follows = (await findFriendship(db, asker, 'shy')) !== undefined;
      expect((await getUser(db, asker)).following).toBe(follows ? 1 : 0);
      if (follows) followers++;
    }
    expect((await getUser(db, 'shy')).followers).toBe(followers);
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });

  it('a block racing requests and approvals leaves neither request nor follow between the pair', async () => {
    for (let round = 0; round < 5; round++) {
      await settle([requestFollow(db, 'fan', 'shy')], ['REQUEST_EXISTS', 'ALREADY_FOLLOWING']);
      await settle(
        [blockUser(db, 'shy', 'fan'), approveRequest(db, 'shy', 'fan'), requestFollow(db, 'fan', 'shy')],
        ['REQUEST_NOT_FOUND', 'REQUEST_EXISTS', 'USER_NOT_FOUND', 'ALREADY_FOLLOWING', 'USER_BLOCKED'],
      );
      expect(await findRequest(db, 'fan', 'shy')).toBeUndefined();
      expect(await findFriendship(db, 'fan', 'shy')).toBeUndefined();
      expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
      await unblockUser(db, 'shy', 'fan');
    }
  });
});
