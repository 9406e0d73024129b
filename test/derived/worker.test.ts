/**
 * The worker against DynamoDB Local's real stream: the reference data's writes become feeds,
 * activity and directory items; checkpoints make a second worker resume, not replay. On the
 * reference's slice (every user and follow, each user's newest photos and their reactions): the whole
 * reference's 200 photos and 584 reactions derived proved nothing more than its 70 and 210 do.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../src/admin/load.js';
import { loadConfig } from '../../src/config/index.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { followUser, listFollowers, listRecentPhotos, unfollowUser, uploadPhoto, deletePhoto } from '../../src/patterns/index.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { countItems, createTestDb, REFERENCE_ITEMS, type TestDb } from '../support/db.js';
import { referenceSlice } from './support.js';

const settings = loadConfig({}).derived;
const slice = referenceSlice(REFERENCE_ITEMS, 3);
let db: TestDb;
let worker: Worker;

async function feedOf(reader: string): Promise<string[]> {
  const derived = derivedDb(db);
  const result = await derived.doc.send(
    new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk }, ScanIndexForward: false }),
  );
  return (result.Items ?? []).map((i) => String(i.SK));
}

beforeAll(async () => {
  db = await createTestDb();
  await loadItems(db.doc, db.table, slice);
  worker = createWorker({ client: db.client, db, settings: { ...settings, pollMs: 50 } });
  await worker.drain(120_000);
}, 180_000);

afterAll(async () => {
  await worker.stop();
  await db.drop();
});

describe('the worker on the reference data', () => {
  it('reports zero lag once caught up, per view', () => {
    const status = worker.status();
    expect(status.lagSeconds).toBe(0);
    expect(status.views.map((v) => v.view)).toEqual(['feed', 'activity', 'directory', 'explore', 'people', 'tags', 'mentions', 'events', 'push', 'comment-summary']);
    expect(status.views.every((v) => v.processed >= slice.length)).toBe(true);
  });

  it('fans every photo out to its author and each follower', async () => {
    // Everyone haroldwatkins follows posts into his feed; each feed entry is one of their photos.
    const feed = await feedOf('haroldwatkins');
    expect(feed.length).toBeGreaterThan(0);
    const authors = new Set(feed.map((sk) => sk.slice(sk.lastIndexOf('#') + 1)));
    expect(authors.has('jacksonjason')).toBe(true);
    const photos = await listRecentPhotos(db, 'jacksonjason', { limit: 100 });
    for (const photo of photos.items) expect(feed).toContain(`${photo.timestamp}#jacksonjason`);
  });

  it('follow backfills, unfollow removes, delete removes from every feed', async () => {
    const reader = 'monica63';
    await unfollowUser(db, reader, 'jacksonjason').catch(() => undefined);
    await worker.drain();
    expect((await feedOf(reader)).some((sk) => sk.endsWith('#jacksonjason'))).toBe(false);
    await followUser(db, reader, 'jacksonjason');
    await worker.drain();
    const his = await listRecentPhotos(db, 'jacksonjason', { limit: 100 });
    expect(his.items.length).toBeGreaterThan(1);
    expect((await feedOf(reader)).filter((sk) => sk.endsWith('#jacksonjason'))).toHaveLength(his.items.length);

    const photo = await uploadPhoto(db, { username: 'jacksonjason', location: 'file:///x.png' });
    await worker.drain();
    const followers = await listFollowers(db, 'jacksonjason', { limit: 100 });
    for (const f of followers.items) expect(await feedOf(f.followingUser)).toContain(`${photo.timestamp}#jacksonjason`);
    await deletePhoto(db, 'jacksonjason', photo.timestamp);
    await worker.drain();
    for (const f of followers.items) expect(await feedOf(f.followingUser)).not.toContain(`${photo.timestamp}#jacksonjason`);
  });

  it('a second worker resumes from the checkpoints: it applies nothing old', async () => {
    // The first hands its shard leases back on stop; the second takes them at once.
    await worker.stop();
    const before = await countItems(derivedDb(db));
    const second = createWorker({ client: db.client, db, settings, autoStart: false });
    await second.drain();
    expect(second.status().views.every((v) => v.processed === 0)).toBe(true);
    await second.stop();
    expect(await countItems(derivedDb(db))).toBe(before);
  });
});
