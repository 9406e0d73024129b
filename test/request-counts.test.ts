/**
 * Every access pattern's DynamoDB requests, counted by the SDK middleware on the reference
 * data: reads are one request (the enriched following list one more per 100 profiles), writes
 * one transaction, and nothing scans. Over HTTP the same holds: authentication and validation
 * add no request of their own.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fileLines, loadItems } from '../src/admin/load.js';
import { createLocalBlobStore } from '../src/blobs/index.js';
import { attachMetrics, requestCounts, type Metrics } from '../src/engine/metrics.js';
import { buildApp } from '../src/http/app.js';
import {
  createUser,
  followUser,
  getPhotoWithReactions,
  getUser,
  listFollowed,
  listFollowedWithProfiles,
  listFollowers,
  listRecentPhotos,
  reactToPhoto,
  removeReaction,
  unfollowUser,
  updateUser,
  uploadPhoto,
} from '../src/patterns/index.js';
import { photoId } from '../src/schema/ids.js';
import { keys } from '../src/schema/keys.js';
import { caller, listen, profile, testConfig } from './http/support.js';
import { createTestDb, REFERENCE_ITEMS, type TestDb } from './support/db.js';
import { createWorker } from '../src/derived/worker.js';
import { derivedDb } from '../src/derived/store.js';
import { getFeed, MAX_MERGED_CELEBRITIES } from '../src/patterns/feed.js';
import { derivedRanges } from '../src/schema/keys.js';

// Reference data: haroldwatkins has 12 followers, geoffrey32 follows 13 users, and this photo
// of jacksonjason carries 6 reactions.
const OWNER = 'jacksonjason';
const PHOTO = '2019-03-03T18:20:10';
const PHOTO_ID = photoId(OWNER, PHOTO);
const FOLLOWED_BY_MANY = 'haroldwatkins';
const FOLLOWS_MANY = 'geoffrey32';

let db: TestDb;
let metrics: Metrics;

/** The requests `action` sent, per operation. */
async function requestsOf(action: () => Promise<unknown>): Promise<Record<string, number>> {
  metrics.reset();
  await action();
  return requestCounts(metrics.snapshot());
}

beforeAll(async () => {
  db = await createTestDb();
  const loaded = await loadItems(db.doc, db.table, fileLines(REFERENCE_ITEMS));
  expect(loaded.written).toBe(967);
  metrics = attachMetrics(db.client);
});

afterAll(async () => {
  metrics.detach();
  await db.drop();
});

describe('the metrics middleware', () => {
  it('counts document-client calls and sums the capacity they report, leaving the input alone', async () => {
    const input = { TableName: db.table, Key: keys.user(OWNER) };
    metrics.reset();
    const result = await db.doc.send(new GetCommand(input));
    expect(result.Item?.username).toBe(OWNER);
    expect(input).not.toHaveProperty('ReturnConsumedCapacity');
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(['GetItem']);
    expect(snapshot.GetItem?.requests).toBe(1);
    expect(snapshot.GetItem?.capacityUnits).toBeGreaterThan(0);
  });

  it('reset starts from zero', async () => {
    await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(OWNER) }));
    metrics.reset();
    expect(metrics.snapshot()).toEqual({});
  });
});

describe('requests per access pattern', () => {
  const newcomer = 'metered-user';

  it('reads: one request each, never a Scan', async () => {
    expect(await requestsOf(() => getUser(db, OWNER))).toEqual({ GetItem: 1 });
    expect(await requestsOf(() => listRecentPhotos(db, OWNER))).toEqual({ Query: 1 });
    expect(await requestsOf(() => getPhotoWithReactions(db, OWNER, PHOTO))).toEqual({ Query: 1 });
    expect(await requestsOf(() => listFollowers(db, FOLLOWED_BY_MANY))).toEqual({ Query: 1 });
    expect(await requestsOf(() => listFollowed(db, FOLLOWS_MANY))).toEqual({ Query: 1 });
  });

  it('enriched following: one Query and one BatchGetItem per 100 profiles', async () => {
    let page = await listFollowedWithProfiles(db, FOLLOWS_MANY, { limit: 100 });
    const n = page.items.length;
    expect(n).toBe(13);
    expect(await requestsOf(async () => (page = await listFollowedWithProfiles(db, FOLLOWS_MANY, { limit: 100 })))).toEqual({
      Query: 1,
      BatchGetItem: Math.ceil(n / 100),
    });
    expect(page.items.every((entry) => entry.user !== undefined)).toBe(true);
  });

  it('writes: one PutItem, one UpdateItem, or exactly one transaction', async () => {
    const user = { username: newcomer, name: 'Metered', email: 'metered@example.com', birthdate: '1990-01-01' };
    expect(await requestsOf(() => createUser(db, user))).toEqual({ PutItem: 1 });
    expect(await requestsOf(() => updateUser(db, newcomer, { status: 'counting' }))).toEqual({ UpdateItem: 1 });
    expect(await requestsOf(() => uploadPhoto(db, { username: newcomer, location: 'file:///photo.png' }))).toEqual({ TransactWriteItems: 1 });
    const target = { reactingUser: newcomer, owner: OWNER, timestamp: PHOTO, type: 'heart' };
    expect(await requestsOf(() => reactToPhoto(db, target))).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOf(() => removeReaction(db, target))).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOf(() => followUser(db, newcomer, FOLLOWED_BY_MANY))).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOf(() => unfollowUser(db, newcomer, FOLLOWED_BY_MANY))).toEqual({ TransactWriteItems: 1 });
  });

  it('an empty first page costs one GetItem more, to tell "nothing yet" from "no such user"', async () => {
    expect(await requestsOf(() => listFollowed(db, newcomer))).toEqual({ Query: 1, GetItem: 1 });
    expect(await requestsOf(() => listFollowedWithProfiles(db, newcomer))).toEqual({ Query: 1, GetItem: 1 });
  });
});

describe('requests per HTTP call', () => {
  let app: FastifyInstance;
  let photosDir: string;
  let call: ReturnType<typeof caller>;
  let token: string;
  const me = 'http-metered';

  beforeAll(async () => {
    photosDir = await mkdtemp(join(tmpdir(), 'qp-counts-'));
    app = await buildApp({
      db,
      client: db.client,
      config: testConfig({ TABLE_NAME: db.table, PHOTOS_DIR: photosDir }),
      blobs: createLocalBlobStore(photosDir),
    });
    call = caller(await listen(app));
    const signUp = await call('POST', '/v1/accounts', { json: profile(me) });
    expect(signUp.status).toBe(201);
    const login = await call('POST', '/v1/sessions', { json: { username: me, password: profile(me).password } });
    expect(login.status).toBe(201);
    token = (login.body as { accessToken: string }).accessToken;
  });

  afterAll(async () => {
    await app.close();
    await rm(photosDir, { recursive: true, force: true });
  });

  beforeEach(() => metrics.reset());

  async function requestsOfCall(method: string, path: string, status: number): Promise<Record<string, number>> {
    metrics.reset();
    const answer = await call(method, path, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    return requestCounts(metrics.snapshot());
  }

  it('each read endpoint makes exactly its pattern\'s requests', async () => {
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}`, 200)).toEqual({ GetItem: 1 });
    // My reactions on each photo of the page: one BatchGetItem more (4 keys a photo).
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}/photos`, 200)).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}`, 200)).toEqual({ GetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions`, 200)).toEqual({ Query: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ Query: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWS_MANY}/following`, 200)).toEqual({ Query: 1 });
    // Profiles and my relation to each user (3 keys a user) travel in the same BatchGetItem.
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWS_MANY}/following?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 1 });
  });

  it('each write endpoint makes exactly one transaction; a repeated PUT adds one read of what is there', async () => {
    expect(await requestsOfCall('PUT', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 201)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('PUT', `/v1/users/${FOLLOWED_BY_MANY}/followers/me`, 201)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('PUT', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 200)).toEqual({ TransactWriteItems: 1, GetItem: 1 });
    expect(await requestsOfCall('PUT', `/v1/users/${FOLLOWED_BY_MANY}/followers/me`, 200)).toEqual({ TransactWriteItems: 1, GetItem: 1 });
    expect(await requestsOfCall('DELETE', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 204)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('DELETE', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 204)).toEqual({ TransactWriteItems: 1 });
  });

  it('rejected requests (no token, bad input) reach no DynamoDB at all', async () => {
    metrics.reset();
    expect((await call('GET', `/v1/users/${OWNER}`)).status).toBe(401);
    expect((await call('GET', `/v1/users/${OWNER}/photos?limit=1000`, { token })).status).toBe(400);
    expect((await call('PUT', `/v1/photos/${PHOTO_ID}/reactions/frown`, { token })).status).toBe(400);
    expect((await call('GET', `/v1/photos/${PHOTO_ID}x`, { token })).status).toBe(404);
    expect(metrics.snapshot()).toEqual({});
  });
});

describe('feed requests (the worker applied the stream first; it is not counted)', () => {
  // With a threshold of 10, haroldwatkins (12 followers) is a celebrity: chasevang's feed merges
  // his photos at read time (one Query more); jacksonjason (8 followers) is fanned out.
  const READER = 'chasevang';

  beforeAll(async () => {
    const worker = createWorker({ client: db.client, db, settings: { ...testConfig({ FEED_FANOUT_THRESHOLD: '10' }).derived }, autoStart: false });
    metrics.detach();
    await worker.drain(120_000);
    await worker.stop();
    metrics = attachMetrics(db.client);
  }, 180_000);

  it('one feed page: Query feed + Query celebrities + one Query per celebrity + two BatchGetItem (content, viewer state)', async () => {
    let page = await getFeed(db, READER);
    expect(page.items.length).toBe(10);
    expect(page.items.some((i) => i.author.username === FOLLOWED_BY_MANY)).toBe(true);
    expect(page.items.some((i) => i.author.username !== FOLLOWED_BY_MANY)).toBe(true);
    const derived = derivedDb(db);
    const celebrities = await derived.doc.send(
      new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.celebritiesFollowedBy(READER).pk } }),
    );
    const k = celebrities.Count ?? 0;
    expect(k).toBeGreaterThanOrEqual(1);
    expect(k).toBeLessThanOrEqual(MAX_MERGED_CELEBRITIES);
    expect(await requestsOf(async () => (page = await getFeed(db, READER)))).toEqual({ Query: 2 + k, BatchGetItem: 2 });
    expect(await requestsOf(() => getFeed(db, READER, { limit: 16, cursor: page.nextCursor }))).toEqual({ Query: 2 + k, BatchGetItem: 2 });
  });

  it('no Scan anywhere on the way', async () => {
    metrics.reset();
    await getFeed(db, READER, { limit: 16 });
    expect(metrics.snapshot()).not.toHaveProperty('Scan');
  });
});

