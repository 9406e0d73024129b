/**
 * The worker is SIGKILLed in the middle of a fan-out, the table changes while it is down, and
 * a new worker process resumes from the checkpoints: every follower's feed ends exactly right
 * (each entry once, none missing, none left for the unfollower).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';
import { batchWrite } from '../../src/derived/store/index.js';
import { checkpointAtLatest } from '../../src/admin/derive-initial.js';
import { unfollowUser, uploadPhoto } from '../../src/patterns/index.js';
import { Friendship, User } from '../../src/schema/entities/index.js';
import { derivedKeys } from '../../src/schema/keys.js';
import { compiledCli } from '../support/build.js';
import { createTestDb, isAlive, type TestDb } from '../support/db.js';
import { engineEndpoint } from '../support/engine.js';
import { proofSize } from '../support/proofs.js';
import { waitFor } from '../support/wait.js';
import { feedEntries as feedEntriesOf } from './support.js';

// Sixteen BatchWriteItems one at a time (forty at full size): room for the kill to land mid-way.
const FOLLOWERS = proofSize(400, 1000);
const AUTHOR = 'author';
const followers = Array.from({ length: FOLLOWERS }, (_, i) => `f${String(i).padStart(4, '0')}`);
const REPO = new URL('../../', import.meta.url).pathname;
const CLI = await compiledCli();
let db: TestDb;
const children: ChildProcess[] = [];

const user = (username: string, followerCount: number, following: number) =>
  User.encode({ username, name: `User ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers: followerCount, following });

/** Every feed entry in the derived table (a test-only Scan). */
const feedEntries = () => feedEntriesOf(db);

function worker(args: string[]): ChildProcess {
  const child = spawn(process.execPath, [CLI, 'worker', ...args, '--endpoint', engineEndpoint(), '--table', db.table], {
    cwd: REPO,
    // One BatchWriteItem at a time: the fan-out lasts long enough to be caught in the middle.
    env: { ...process.env, FEED_FANOUT_CONCURRENCY: '1', WORKER_POLL_MS: '20' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return child;
}

beforeAll(async () => {
  db = await createTestDb();
  await batchWrite(db, [
    { put: { ...user(AUTHOR, FOLLOWERS, 0) } },
    ...followers.flatMap((f) => [{ put: { ...user(f, 0, 1) } }, { put: { ...Friendship.encode({ followedUser: AUTHOR, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }]),
  ]);
  // Every checkpoint past the set-up (as `npm start` does after a bulk load), so the killed
  // worker starts at the photo: the set-up's follows have no feed entries to derive.
  await checkpointAtLatest(db.client, db, loadConfig({}).derived);
}, 300_000);

afterAll(async () => {
  for (const child of children) if (child.pid && isAlive(child.pid)) child.kill('SIGKILL');
  await db.drop();
});

describe('a worker killed mid fan-out', () => {
  it('resumes from its checkpoints and leaves every feed exactly right', async () => {
    const first = await uploadPhoto(db, { username: AUTHOR, location: 'file:///first.png' });
    const running = worker([]);
    await waitFor(async () => (await feedEntries()).length > 0, { what: 'the first feed entry', timeoutMs: 120_000, intervalMs: 25 });
    running.kill('SIGKILL');
    await new Promise((r) => running.once('exit', r));
    const atKill = (await feedEntries()).length;
    // Caught in the middle: some feeds have the photo, most do not yet.
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(FOLLOWERS + 1);

    // While no worker runs: another photo, and one follower leaves.
    const second = await uploadPhoto(db, { username: AUTHOR, location: 'file:///second.png' });
    await unfollowUser(db, followers[0]!, AUTHOR);

    const resumed = worker(['--once']);
    const code = await new Promise<number | null>((r) => resumed.once('exit', r));
    expect(code).toBe(0);

    const expected = [AUTHOR, ...followers.slice(1)].flatMap((reader) =>
      [first, second].map((photo) => {
        const key = derivedKeys.feedEntry(reader, AUTHOR, photo.timestamp);
        return `${key.PK} ${key.SK}`;
      }),
    );
    const actual = await feedEntries();
    expect(actual.length).toBe(expected.length);
    expect(new Set(actual)).toEqual(new Set(expected));
  }, 240_000);
});
