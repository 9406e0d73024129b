/**
 * What a fan-out asks of the engine beyond its writes: one GetItem (the follower count) and the
 * follower Queries, pages of 250, 1,000, then 2,000 at most (10,000 followers: 7 Queries), each
 * page read while the one before it is written; BatchWriteItem of 25 for the entries. 3,500
 * followers are enough to show both the growth and the cap: the third page stops at 2,000
 * (without the cap, 3 Queries: 250, 1,000 and the other 2,250); the 10,000-follower run is
 * `npm run bench:feed -- --profile`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { batchWrite, derivedDb } from '../../src/derived/store/index.js';
import { feedView } from '../../src/derived/views/feed.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { Friendship } from '../../src/schema/entities/index.js';
import { feedEntries, intercept, userItem } from './support.js';

const FOLLOWERS = 3_500;
const settings = { ...loadConfig({}).derived, fanoutThreshold: FOLLOWERS + 1 };
let db: TestDb;
let followers: string[];

beforeAll(async () => {
  db = await createTestDb();
  followers = Array.from({ length: FOLLOWERS }, (_, i) => `f${String(i).padStart(5, '0')}`);
  // The followers' own User items are not read by a fan-out: the friendships and the author suffice.
  await batchWrite(db, [{ put: { ...userItem('author', FOLLOWERS, 0) } }, ...followers.map((f) => ({ put: { ...Friendship.encode({ followedUser: 'author', followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }))], 16);
}, 180_000);

afterAll(async () => {
  await db.drop();
});

describe('a fan-out to 3,500 followers', () => {
  it('reads them in 4 Queries (250, 1,000, 2,000, 250), each while the page before it is written, and writes 141 BatchWriteItem', { timeout: 180_000 }, async () => {
    const sends: string[] = [];
    const counted = { ...db, doc: intercept(db.doc, '*', (command) => void sends.push(command)) };
    const view = feedView({ db: counted, derived: derivedDb(counted), settings });

    expect(await view.fanOut('author', '2026-01-01T00:00:00')).toBe(FOLLOWERS + 1);

    const count = (command: string) => sends.filter((c) => c === command).length;
    expect({ get: count('GetCommand'), query: count('QueryCommand'), batchWrite: count('BatchWriteCommand') }).toEqual({ get: 1, query: 4, batchWrite: Math.ceil((FOLLOWERS + 1) / 25) });
    expect(sends.length).toBe(1 + 4 + 141);
    // The second page is asked for before the first page's first write: reads overlap the writes.
    expect(sends.indexOf('BatchWriteCommand')).toBeGreaterThan(sends.indexOf('QueryCommand', sends.indexOf('QueryCommand') + 1));
    const entries = await feedEntries(db);
    expect(entries).toHaveLength(FOLLOWERS + 1);
  });
});
