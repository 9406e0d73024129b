/**
 * Concurrent writers on the same items: transactions plus conflict retries must leave every
 * counter equal to the items it counts, with no duplicates.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../src/admin/doctor.js';
import {
  createUser,
  followUser,
  getPhoto,
  getUser,
  reactToPhoto,
  removeReaction,
  unfollowUser,
  uploadPhoto,
} from '../src/patterns/index.js';
import { REACTION_TYPES } from '../src/schema/entities.js';
import type { Photo } from '../src/schema/entities/index.js';
import { isDomainError } from '../src/errors.js';
import { eachLimited } from '../src/limit.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;
let photo: Photo;
const fans = Array.from({ length: 13 }, (_, i) => `fan${i}`);

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['star', ...fans]) {
    await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  }
  photo = await uploadPhoto(db, { username: 'star', location: 'file://star.png' });
});
afterAll(async () => {
  await db.drop();
});

/** Settles every promise; rethrows anything that is not an expected domain error. */
async function settle(tasks: Promise<unknown>[], expected: string[]): Promise<number> {
  const results = await Promise.allSettled(tasks);
  let ok = 0;
  for (const result of results) {
    if (result.status === 'fulfilled') ok++;
    else if (!(isDomainError(result.reason) && expected.includes(result.reason.code))) throw result.reason;
  }
  return ok;
}

/**
 * The churn's writers, at most this many in flight: enough to contend on the same items all
 * the time, few enough that none waits behind hundreds of others. DynamoDB Local runs
 * transactions one at a time, so an unbounded churn also starves every other test file
 * sharing the engine: 260 at once stretched a neighbour's 1.4 s test to 35 s.
 */
const CHURN_IN_FLIGHT = 12;
const CHURN_ROUNDS = 2;

describe('concurrent writes', () => {
  it('50 concurrent distinct reactions on one photo count exactly 50', async () => {
    const targets = fans.flatMap((fan) => REACTION_TYPES.map((type) => ({ reactingUser: fan, type }))).slice(0, 50);
    await Promise.all(targets.map((t) => reactToPhoto(db, { ...t, owner: 'star', timestamp: photo.timestamp })));
    const { reactions } = await getPhoto(db, 'star', photo.timestamp);
    expect(Object.values(reactions).reduce((a, b) => a + b, 0)).toBe(50);
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });

  it('lets exactly one of many identical reactions through', async () => {
    const other = await uploadPhoto(db, { username: 'star', location: 'file://other.png' });
    const same = { reactingUser: 'fan0', owner: 'star', timestamp: other.timestamp, type: 'heart' };
    const ok = await settle(Array.from({ length: 10 }, () => reactToPhoto(db, same)), ['REACTION_EXISTS']);
    expect(ok).toBe(1);
    expect((await getPhoto(db, 'star', other.timestamp)).reactions.heart).toBe(1);
  });

  it('lets exactly one of many identical follows through', async () => {
    const ok = await settle(Array.from({ length: 10 }, () => followUser(db, 'fan1', 'star')), ['ALREADY_FOLLOWING']);
    expect(ok).toBe(1);
    expect((await getUser(db, 'star')).followers).toBe(1);
    expect((await getUser(db, 'fan1')).following).toBe(1);
  });

  it('keeps every counter exact under follow/unfollow and react/unreact churn', async () => {
    const tasks: (() => Promise<unknown>)[] = [];
    for (let round = 0; round < CHURN_ROUNDS; round++) {
      for (const fan of fans) {
        tasks.push(() => followUser(db, fan, 'star'), () => unfollowUser(db, fan, 'star'), () => followUser(db, 'star', fan));
        for (const type of ['+1', 'smiley'] as const) {
          const target = { reactingUser: fan, owner: 'star', timestamp: photo.timestamp, type };
          tasks.push(() => removeReaction(db, target), () => reactToPhoto(db, target));
        }
      }
    }
    const expected = ['ALREADY_FOLLOWING', 'NOT_FOLLOWING', 'REACTION_EXISTS', 'REACTION_NOT_FOUND'];
    let ok = 0;
    await eachLimited(tasks, CHURN_IN_FLIGHT, async (task) => {
      ok += await settle([task()], expected);
    });
    expect(ok).toBeGreaterThan(0);
    const audit = await auditTable(db.doc, db.table);
    expect(audit.problems).toEqual([]);
    expect(audit.friendships).toBeGreaterThan(0);
    // Seconds alone; a loaded 2-core machine shared with other files has taken a minute.
  }, 180_000);
});
