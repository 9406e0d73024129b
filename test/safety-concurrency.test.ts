/**
 * Blocks racing the writes they forbid: whatever order DynamoDB commits them in, no follow
 * survives between a blocked pair and every counter equals the items it counts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../src/admin/doctor.js';
import { isDomainError } from '../src/errors.js';
import { blockUser, createUser, findFriendship, followUser, getUser, unblockUser, unfollowUser } from '../src/patterns/index.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['star', 'fan', 'other']) {
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
