/**
 * Every access pattern's DynamoDB requests, counted on the reference data through both clients
 * (the SDK's, by its middleware, and the lean one, by its hook): reads are one request (the
 * enriched following list one more per 100 profiles), writes one transaction, and nothing
 * scans. Over HTTP (on the lean client, as in production) the same holds: authentication and
 * validation add no request of their own.
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
import { observeCalls } from '../src/engine/observe.js';
import type { Db } from '../src/patterns/db.js';
import { buildApp } from '../src/http/app.js';
import {
  approveRequest,
  blockUser,
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
  setPrivate,
  unblockUser,
  unfollowUser,
  updateUser,
  uploadPhoto,
} from '../src/patterns/index.js';
import {
  createSession,
  deletePhoto,
  rotateSession,
  signUp as signUpPattern,
  signUpAndSignIn,
  startAccountDeletion,
  verifyCredentials,
  verifyLogin,
  revokeSession,
  updateCaption,
  listSessions,
  endSession,
} from '../src/patterns/index.js';
import { photoId } from '../src/schema/ids.js';
import { keys } from '../src/schema/keys.js';
import { caller, JWT_SECRET, listen, profile, testConfig } from './http/support.js';
import { createTestDb, onSdk, REFERENCE_ITEMS, type TestDb } from './support/db.js';
import { deriveLoaded } from '../src/admin/derive-initial.js';
import { buildViews } from '../src/derived/worker.js';
import { derivedDb } from '../src/derived/store/index.js';
import { getFeed, MAX_MERGED_CELEBRITIES } from '../src/patterns/feed.js';
import { ACTIVITY_PAGE_MAX, getActivity } from '../src/patterns/activity.js';
import { createTokenService } from '../src/http/auth.js';
import { derivedRanges } from '../src/schema/keys.js';
import { addTagEntry } from '../src/derived/store/index.js';
import { captionTagEntries } from '../src/derived/views/tags.js';
import { getTagPhotos, searchTags, TAG_PAGE_MAX } from '../src/patterns/tags.js';

// Reference data: haroldwatkins has 12 followers, geoffrey32 follows 13 users, and this photo
// of jacksonjason carries 6 reactions.
const OWNER = 'jacksonjason';
const PHOTO = '2019-03-03T18:20:10';
const PHOTO_ID = photoId(OWNER, PHOTO);
const FOLLOWED_BY_MANY = 'haroldwatkins';
const FOLLOWS_MANY = 'geoffrey32';

const KINDS = ['sdk', 'lean'] as const;
type Kind = (typeof KINDS)[number];

let db: TestDb;
/** Per client: the Db the patterns get and the meter on that client. */
const on = {} as Record<Kind, { db: Db; metrics: Metrics }>;
let metrics: Metrics;

/** The requests `action` sent, per operation. */
async function requestsOf(action: () => Promise<unknown>, meter: Metrics = metrics): Promise<Record<string, number>> {
  meter.reset();
  await action();
  return requestCounts(meter.snapshot());
}

beforeAll(async () => {
  // Patterns called directly here count through the SDK's middleware (attachMetrics(db.client)).
  db = onSdk(await createTestDb());
  const loaded = await loadItems(db.doc, db.table, fileLines(REFERENCE_ITEMS));
  expect(loaded.written).toBe(967);
  on.sdk = { db: { ...db, doc: db.sdk }, metrics: attachMetrics(db.client) };
  on.lean = { db: { ...db, doc: db.patterns }, metrics: attachMetrics(db.lean!) };
  metrics = on.lean.metrics;
});

afterAll(async () => {
  for (const kind of KINDS) on[kind].metrics.detach();
  await db.drop();
});

describe.each(KINDS)('the metrics hook on the %s client', (kind) => {
  it('counts document-client calls and sums the capacity they report, leaving the input alone', async () => {
    const { metrics } = on[kind];
    const input = { TableName: db.table, Key: keys.user(OWNER) };
    metrics.reset();
    const result = await on[kind].db.doc.send(new GetCommand(input));
    expect(result.Item?.username).toBe(OWNER);
    expect(input).not.toHaveProperty('ReturnConsumedCapacity');
    const snapshot = metrics.snapshot();
    expect(Object.keys(snapshot)).toEqual(['GetItem']);
    expect(snapshot.GetItem?.requests).toBe(1);
    expect(snapshot.GetItem?.capacityUnits).toBeGreaterThan(0);
  });

  it('reset starts from zero', async () => {
    const { metrics } = on[kind];
    await on[kind].db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(OWNER) }));
    metrics.reset();
    expect(metrics.snapshot()).toEqual({});
  });
});

describe.each(KINDS)('requests per access pattern, %s client', (kind) => {
  const newcomer = `metered-${kind}`;
  let db: Db;
  let metrics: Metrics;
  beforeAll(() => ({ db, metrics } = on[kind]));
  const count = (action: () => Promise<unknown>) => requestsOf(action, metrics);

  it('reads: one request each, never a Scan', async () => {
    expect(await count(() => getUser(db, OWNER))).toEqual({ GetItem: 1 });
    expect(await count(() => listRecentPhotos(db, OWNER))).toEqual({ Query: 1 });
    expect(await count(() => getPhotoWithReactions(db, OWNER, PHOTO))).toEqual({ Query: 1 });
    expect(await count(() => listFollowers(db, FOLLOWED_BY_MANY))).toEqual({ Query: 1 });
    expect(await count(() => listFollowed(db, FOLLOWS_MANY))).toEqual({ Query: 1 });
  });

  it('enriched following: one Query and one BatchGetItem per 100 profiles', async () => {
    let page = await listFollowedWithProfiles(db, FOLLOWS_MANY, { limit: 100 });
    const n = page.items.length;
    expect(n).toBe(13);
    expect(await count(async () => (page = await listFollowedWithProfiles(db, FOLLOWS_MANY, { limit: 100 })))).toEqual({
      Query: 1,
      BatchGetItem: Math.ceil(n / 100),
    });
    expect(page.items.every((entry) => entry.user !== undefined)).toBe(true);
  });

  it('writes: one PutItem, one UpdateItem, or exactly one transaction', async () => {
    const user = { username: newcomer, name: 'Metered', email: 'metered@example.com', birthdate: '1990-01-01' };
    expect(await count(() => createUser(db, user))).toEqual({ PutItem: 1 });
    expect(await count(() => updateUser(db, newcomer, { status: 'counting' }))).toEqual({ UpdateItem: 1 });
    expect(await count(() => uploadPhoto(db, { username: newcomer, location: 'file:///photo.png' }))).toEqual({ TransactWriteItems: 1 });
    const target = { reactingUser: newcomer, owner: OWNER, timestamp: PHOTO, type: 'heart' };
    expect(await count(() => reactToPhoto(db, target))).toEqual({ TransactWriteItems: 1 });
    expect(await count(() => removeReaction(db, target))).toEqual({ TransactWriteItems: 1 });
    expect(await count(() => followUser(db, newcomer, FOLLOWED_BY_MANY))).toEqual({ TransactWriteItems: 1 });
    expect(await count(() => unfollowUser(db, newcomer, FOLLOWED_BY_MANY))).toEqual({ TransactWriteItems: 1 });
  });

  it('an empty first page costs one GetItem more, to tell "nothing yet" from "no such user"', async () => {
    expect(await count(() => listFollowed(db, newcomer))).toEqual({ Query: 1, GetItem: 1 });
    expect(await count(() => listFollowedWithProfiles(db, newcomer))).toEqual({ Query: 1, GetItem: 1 });
  });

  it('counts each request under the name its pattern gave it', async () => {
    const byPattern = async (action: () => Promise<unknown>) => {
      metrics.reset();
      await action();
      return metrics.byPattern();
    };
    expect(await byPattern(() => getUser(db, OWNER))).toEqual({ findUser: { GetItem: 1 } });
    expect(await byPattern(() => listRecentPhotos(db, OWNER))).toEqual({ listRecentPhotos: { Query: 1 } });
    expect(await byPattern(() => getPhotoWithReactions(db, OWNER, PHOTO))).toEqual({ getPhotoWithReactions: { Query: 1 } });
    expect(await byPattern(() => listFollowedWithProfiles(db, FOLLOWS_MANY))).toEqual({ listFollowed: { Query: 1 }, listFollowedWithProfiles: { BatchGetItem: 1 } });
    expect(await byPattern(() => listFollowed(db, newcomer))).toEqual({ listFollowed: { Query: 1 }, assertUserExists: { GetItem: 1 } });
  });
});

describe('every write carries the acting user check, in the same request', () => {
  // These patterns run on the SDK client (the write capture below is its middleware): count there.
  beforeAll(() => {
    metrics = on.sdk.metrics;
  });
  afterAll(() => {
    metrics = on.lean.metrics;
  });
  const actor = 'guarded-user';
  // These count through the SDK client's middleware (they also inspect what it sends).
  beforeAll(() => {
    metrics = on.sdk.metrics;
  });
  afterAll(() => {
    metrics = on.lean.metrics;
  });
  /** The TransactWriteItems / UpdateItem inputs `action` sent. */
  async function writesOf(action: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
    const sent: Record<string, unknown>[] = [];
    const capture = (next: (args: { input: object }) => Promise<unknown>, context: { commandName?: string }) => async (args: { input: object }) => {
      if (context.commandName === 'TransactWriteItemsCommand' || context.commandName === 'UpdateItemCommand') sent.push(args.input as Record<string, unknown>);
      return next(args);
    };
    db.sdk.middlewareStack.add(capture as never, { step: 'initialize', name: 'captureWrites' });
    try {
      await action();
    } finally {
      db.sdk.middlewareStack.remove('captureWrites');
    }
    return sent;
  }
  const guards = (input: Record<string, unknown>) =>
    JSON.stringify(input).includes(JSON.stringify(keys.user(actor)).slice(1, -1)) && JSON.stringify(input).includes('attribute_not_exists(deleting)');

  it('upload, react, unreact, follow, unfollow, delete photo and profile updates: one request each, guarded', async () => {
    await createUser(db, { username: actor, name: 'Guarded', email: 'guarded@example.com', birthdate: '1990-01-01' });
    let photo = { timestamp: '' };
    const target = { reactingUser: actor, owner: OWNER, timestamp: PHOTO, type: '+1' };
    const actions: [string, () => Promise<unknown>][] = [
      ['upload', async () => (photo = await uploadPhoto(db, { username: actor, location: 'file:///g.png' }))],
      ['react', () => reactToPhoto(db, target)],
      ['unreact', () => removeReaction(db, target)],
      ['follow', () => followUser(db, actor, FOLLOWED_BY_MANY)],
      ['unfollow', () => unfollowUser(db, actor, FOLLOWED_BY_MANY)],
      ['update', () => updateUser(db, actor, { status: 'guarded' })],
      ['delete photo', () => deletePhoto(db, actor, photo.timestamp)],
    ];
    for (const [what, action] of actions) {
      metrics.reset();
      const sent = await writesOf(action);
      const counts = requestCounts(metrics.snapshot());
      expect(counts.TransactWriteItems ?? counts.UpdateItem, what).toBe(1);
      expect(sent.filter(guards), what).toHaveLength(1);
    }
  });

  it('refuses the writes of a user being deleted in that same request, with ACCOUNT_DELETED', async () => {
    await startAccountDeletion(db, actor);
    metrics.reset();
    await expect(followUser(db, actor, FOLLOWED_BY_MANY)).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(reactToPhoto(db, { reactingUser: actor, owner: OWNER, timestamp: PHOTO, type: 'heart' })).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    await expect(uploadPhoto(db, { username: actor, location: 'file:///g.png' })).rejects.toMatchObject({ code: 'ACCOUNT_DELETED' });
    expect(requestCounts(metrics.snapshot())).toEqual({ TransactWriteItems: 3 });
  });
});

describe('requests per account pattern', () => {
  // These count through the SDK client's middleware (they also inspect what it sends).
  beforeAll(() => {
    metrics = on.sdk.metrics;
  });
  afterAll(() => {
    metrics = on.lean.metrics;
  });
  it('sign-up: one BatchGetItem (name, email, deletion job) and one transaction, its first session included; log-in: one BatchGetItem; refresh: one BatchGetItem (session and user) and one transaction; log-out: one DeleteItem and one UpdateItem (two the first time)', async () => {
    const input = { username: 'counted', name: 'Counted', email: 'counted@example.com', birthdate: '1990-01-01', password: 'a counted passphrase' };
    expect(await requestsOf(() => signUpPattern(db, input))).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    metrics.reset();
    await expect(signUpPattern(db, input)).rejects.toMatchObject({ code: 'USER_EXISTS' });
    expect(requestCounts(metrics.snapshot())).toEqual({ BatchGetItem: 1 });
    expect(await requestsOf(() => verifyCredentials(db, { username: 'counted', password: input.password }))).toEqual({ BatchGetItem: 1 });
    // The sign-up route's: the account and its first session in that one transaction (a separate createSession was a second).
    const started = { ...input, username: 'counted-in', email: 'counted-in@example.com' };
    expect(await requestsOf(() => signUpAndSignIn(db, started, 60))).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    const { accountId } = await verifyLogin(db, { username: 'counted', password: input.password });
    const grant = await createSession(db, 'counted', 60, accountId);
    // The user item rides in the session's read: a suspended account gets no token, not even a retry's.
    expect(await requestsOf(() => rotateSession(db, grant.refreshToken, 60))).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    // The first log-out also creates the revoked-sessions map (its first UpdateItem's condition fails); later ones add to it.
    const [first, second] = [await createSession(db, 'counted', 60, accountId), await createSession(db, 'counted', 60, accountId)];
    expect(await requestsOf(() => revokeSession(db, first.refreshToken, 60))).toEqual({ DeleteItem: 1, UpdateItem: 2 });
    expect(await requestsOf(() => revokeSession(db, second.refreshToken, 60))).toEqual({ DeleteItem: 1, UpdateItem: 1 });
  });

  it('caption edit: one transaction and one GetItem; sessions list: one Query; ending one: one Query, one DeleteItem and one UpdateItem (two the first time)', async () => {
    const input = { username: 'captioned', name: 'Captioned', email: 'captioned@example.com', birthdate: '1990-01-01', password: 'a captioned passphrase' };
    const { accountId } = await signUpPattern(db, input);
    const photo = await uploadPhoto(db, { username: 'captioned', location: 'file:///captioned.png' });
    expect(await requestsOf(() => updateCaption(db, 'captioned', photo.timestamp, 'counted words'))).toEqual({ TransactWriteItems: 1, GetItem: 1 });
    await createSession(db, 'captioned', 60, accountId);
    const [session] = await listSessions(db, 'captioned', accountId);
    expect(await requestsOf(() => listSessions(db, 'captioned', accountId))).toEqual({ Query: 1 });
    // Outside a request no session is acting: nothing to check first. (The map exists after the first log-out; here it does not yet.)
    expect(await requestsOf(() => endSession(db, 'captioned', accountId, session!.id, 60))).toEqual({ Query: 1, DeleteItem: 1, UpdateItem: 2 });
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
      db: on.lean.db,
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

  // Reading another user's content first asks the visibility guard (src/http/visibility.ts):
  // one BatchGetItem of the owner, the owner->viewer block and the viewer. The profile is
  // answered from that read alone.
  it('each read endpoint makes exactly its pattern\'s requests, plus the one guard read', async () => {
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}`, 200)).toEqual({ BatchGetItem: 1 });
    // My reactions on each photo of the page: one BatchGetItem more (4 keys a photo); the
    // comment summaries ride on the photos (src/patterns/comment-summary.ts).
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}/photos`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    // The photo and my reactions on it: one BatchGetItem, no GetItem, which carries the guard's keys (also its author's card).
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}`, 200)).toEqual({ BatchGetItem: 1 });
    // The photo screen: both lists' Queries, then one BatchGetItem for the guard, the photo, the reactors and the comments.
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}?expand=reactions,comments`, 200)).toEqual({ BatchGetItem: 1, Query: 2 });
    // The profile with its first page of photos: the list's requests, with the guard's read once.
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}?expand=photos`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWS_MANY}/following`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
    // Profiles and my relation to each user (3 keys a user) travel in one BatchGetItem.
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWS_MANY}/following?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 2 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 2 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions?expand=profile`, 200)).toEqual({ Query: 1, BatchGetItem: 2 });
  });

  it('your own content needs no guard read (lists in your own partitions: one session read)', async () => {
    // Nor a block filter on my own followers: a block ends the follows both ways.
    await createUser(db, { username: 'fan-of-metered', name: 'F', email: 'fan@example.com', birthdate: '1990-01-01' });
    await followUser(db, 'fan-of-metered', me);
    // A list kept in my own partitions reads no User item: its session check is one GetItem of
    // the session attributes (src/http/session-check.ts), the only read such calls add.
    expect(await requestsOfCall('GET', `/v1/users/${me}/followers`, 200)).toEqual({ Query: 1, GetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${me}`, 200)).toEqual({ GetItem: 1 });
    expect(await requestsOfCall('GET', '/v1/me', 200)).toEqual({ GetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${me}/photos`, 200)).toEqual({ Query: 1, GetItem: 1 });
    // With its photos: the profile's GetItem (the session's check) and the list's Query; an empty page reads nothing more.
    expect(await requestsOfCall('GET', `/v1/users/${me}?expand=photos`, 200)).toEqual({ Query: 1, GetItem: 1 });
    // One's own photo: the author's item rides in the photo's batch and is the session's check.
    const own = await uploadPhoto(on.lean.db, { username: me, location: 'file:///own.png' });
    expect(await requestsOfCall('GET', `/v1/photos/${photoId(me, own.timestamp)}`, 200)).toEqual({ BatchGetItem: 1 });
    // The photo screen on it: each list's Query, then the same one batch, which also carries what decides both lists.
    expect(await requestsOfCall('GET', `/v1/photos/${photoId(me, own.timestamp)}?expand=reactions,comments`, 200)).toEqual({ BatchGetItem: 1, Query: 2 });
    expect(await requestsOfCall('GET', '/v1/blocks', 200)).toEqual({ Query: 1, GetItem: 1 });
  });

  it('a list only in your own partitions sends its session check beside its Query, not after the answer', async () => {
    const events: string[] = [];
    const stop = observeCalls(db.lean!, {
      before: (operation, input) => (events.push(`sent ${operation}`), input),
      after: (operation) => void events.push(`answered ${operation}`),
    });
    try {
      for (const path of ['/v1/blocks', '/v1/follow-requests', '/v1/notices', `/v1/users/${me}/followers`, `/v1/users/${me}/following`]) {
        events.length = 0;
        expect((await call('GET', path, { token })).status, path).toBe(200);
        // Both requests leave before either answers: the check costs no round trip of its own.
        expect(events.slice(0, 2).sort(), path).toEqual(['sent GetItem', 'sent Query']);
        expect(events.length, path).toBe(4);
      }
      // Another's list is not one's own: no check beside it (its guard's read checks).
      events.length = 0;
      expect((await call('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, { token })).status).toBe(200);
      expect(events.filter((e) => e.startsWith('sent'))).not.toContain('sent GetItem');
    } finally {
      stop();
    }
  });

  it('blocks: one transaction after one read of the pair; a blocker\'s plain lists add one BatchGetItem to hide whom it blocked, its lists with profiles none', async () => {
    expect(await requestsOfCall('PUT', `/v1/blocks/${FOLLOWS_MANY}`, 201)).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    // With profiles, the block items ride in the profiles' BatchGetItem: no third one.
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers?expand=profile`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions?expand=profile`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    // Still one read and no list filter for what is not a list of people (the second BatchGetItem is my reactions).
    expect(await requestsOfCall('GET', `/v1/users/${OWNER}/photos`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('DELETE', `/v1/blocks/${FOLLOWS_MANY}`, 204)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
  });

  it('blocked by someone: the blocked user\'s lists of others add one BatchGetItem to hide the blocker; after the unblock, none', async () => {
    await createUser(db, { username: 'blocker-of-metered', name: 'B', email: 'blocker@example.com', birthdate: '1990-01-01' });
    await blockUser(db, 'blocker-of-metered', me);
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/photos/${PHOTO_ID}/reactions`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWS_MANY}/following?expand=profile`, 200)).toEqual({ BatchGetItem: 2, Query: 1 });
    // One transaction, the blocked user's counter included (the DELETE above counts it over HTTP).
    await unblockUser(db, 'blocker-of-metered', me);
    expect(await requestsOfCall('GET', `/v1/users/${FOLLOWED_BY_MANY}/followers`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
  });

  it('private accounts: the refusal costs the guard read only; a follow becomes a request in one more transaction', async () => {
    const owner = 'private-metered';
    await createUser(db, { username: owner, name: 'P', email: 'p@example.com', birthdate: '1990-01-01' });
    await setPrivate(db, owner, true);
    expect(await requestsOfCall('GET', `/v1/users/${owner}`, 200)).toEqual({ BatchGetItem: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${owner}/photos`, 403)).toEqual({ BatchGetItem: 1 });
    // Its profile with expand=photos: the profile alone, nothing read for the photos it may not show.
    expect(await requestsOfCall('GET', `/v1/users/${owner}?expand=photos`, 200)).toEqual({ BatchGetItem: 1 });
    // The lab's follow transaction refuses (ALL_OLD tells private from absent), then the request's.
    expect(await requestsOfCall('PUT', `/v1/users/${owner}/followers/me`, 202)).toEqual({ TransactWriteItems: 2 });
    expect(await requestsOfCall('GET', `/v1/users/${owner}/followers`, 403)).toEqual({ BatchGetItem: 1 });
    metrics.reset();
    await approveRequest(on.lean.db, owner, me);
    expect(requestCounts(metrics.snapshot())).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('GET', `/v1/users/${owner}/followers`, 200)).toEqual({ BatchGetItem: 1, Query: 1 });
  });

  it('each write endpoint makes exactly one transaction; a repeated PUT adds one read of what is there', async () => {
    expect(await requestsOfCall('PUT', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 201)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('PUT', `/v1/users/${FOLLOWED_BY_MANY}/followers/me`, 201)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('PUT', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 200)).toEqual({ TransactWriteItems: 1, GetItem: 1 });
    expect(await requestsOfCall('PUT', `/v1/users/${FOLLOWED_BY_MANY}/followers/me`, 200)).toEqual({ TransactWriteItems: 1, GetItem: 1 });
    expect(await requestsOfCall('DELETE', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 204)).toEqual({ TransactWriteItems: 1 });
    expect(await requestsOfCall('DELETE', `/v1/photos/${PHOTO_ID}/reactions/smiley`, 204)).toEqual({ TransactWriteItems: 1 });
  });

  it('an Idempotency-Key costs two writes more (the claim, then the answer); its repeat costs a claim and a session read, and none of the work', async () => {
    const json = { contentLength: 1000, contentType: 'image/jpeg' };
    const slot = async (headers: Record<string, string> = {}) => {
      metrics.reset();
      const answer = await call('POST', `/v1/users/${me}/uploads`, { token, json, headers });
      expect(answer.status, JSON.stringify(answer.body)).toBe(201);
      return requestCounts(metrics.snapshot());
    };
    const plus = (a: Record<string, number>, b: Record<string, number>) => {
      const sum = { ...a };
      for (const [name, n] of Object.entries(b)) sum[name] = (sum[name] ?? 0) + n;
      return sum;
    };
    // Without the header, nothing changes: the quota check's read and the slot's transaction.
    const plain = await slot();
    expect(plain).toEqual({ BatchGetItem: 1, TransactWriteItems: 1 });
    expect(await slot({ 'idempotency-key': 'counted-key-0001' })).toEqual(plus(plain, { PutItem: 1, UpdateItem: 1 }));
    expect(await slot({ 'idempotency-key': 'counted-key-0001' })).toEqual({ PutItem: 1, GetItem: 1 });
    // A refused first attempt releases its key (a DeleteItem instead of the answer's UpdateItem);
    // nothing read the User item, so the session's check reads it before the 413 leaves.
    metrics.reset();
    expect((await call('POST', `/v1/users/${me}/uploads`, { token, json: { ...json, contentLength: 10 ** 12 }, headers: { 'idempotency-key': 'counted-key-0002' } })).status).toBe(413);
    expect(requestCounts(metrics.snapshot())).toEqual({ PutItem: 1, DeleteItem: 1, GetItem: 1 });
    // A malformed key is refused before any request.
    metrics.reset();
    expect((await call('POST', `/v1/users/${me}/uploads`, { token, json, headers: { 'idempotency-key': 'bad key' } })).status).toBe(400);
    expect(metrics.snapshot()).toEqual({});
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

/**
 * DynamoDB requests per web screen (its calls in order, web/src/screens/*.tsx). Every read
 * naming another user starts with the visibility guard's BatchGetItem (blocks, relation, the
 * session's user item), so a screen of two calls pays it twice.
 */
const SCREENS = {
  // Query feed + BatchGetItem big authors' recent photos + BatchGetItem content and viewer state
  // (the comment summaries ride on the photos).
  feed: { Query: 1, BatchGetItem: 2 },
  // getUser?expand=photos: guard + Query + BatchGetItem the viewer's reactions (the comment summaries ride on the photos).
  // Before the profile carried its photos, two calls: BatchGetItem 3 (the guard twice) + Query 1.
  profile: { BatchGetItem: 2, Query: 1 },
  // getPhoto?expand=reactions,comments: Query reactions and Query comments in parallel, then one BatchGetItem: the
  // guard's keys (the author's card), the photo, the viewer's reactions, the reactors' cards, the comments' authors and likes.
  // Before, three calls (photo, reactions, comments): BatchGetItem 6 (the guard three times) + Query 2; then one call
  // with the guard's read and each list's own batch: BatchGetItem 4 + Query 2.
  photo: { BatchGetItem: 1, Query: 2 },
  // Query activity + GetItem read marker + BatchGetItem actors and photos + BatchGetItem viewer state + Query unread count.
  activity: { Query: 2, GetItem: 1, BatchGetItem: 2 },
};

describe('feed and activity requests (the views derived the table first; it is not counted)', () => {
  // With a threshold of 10, haroldwatkins (12 followers) is a celebrity: chasevang's feed merges
  // his photos at read time (one Query more); jacksonjason (8 followers) is fanned out.
  const READER = 'chasevang';

  beforeAll(async () => {
    // The views' own code over the table's final state, several items at once: what the worker
    // builds from the stream (test/derived/initial.test.ts compares both), without its backlog.
    metrics.detach();
    await deriveLoaded(db, (on) => buildViews(on, testConfig({ FEED_FANOUT_THRESHOLD: '10' }).derived));
    metrics = attachMetrics(db.client);
  }, 180_000);

  it('one feed page: Query feed (entries and big authors) + BatchGetItem of their recent photos + BatchGetItem (content and viewer state), flat in big authors', async () => {
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
    // The comment summaries ride on the photos: no request of their own.
    expect(await requestsOf(async () => (page = await getFeed(db, READER)))).toEqual({ Query: 1, BatchGetItem: 2 });
    // The cursor carries the big authors: the next page's Query and RECENT read run together.
    expect(await requestsOf(() => getFeed(db, READER, { limit: 12, cursor: page.nextCursor }))).toEqual({ Query: 1, BatchGetItem: 2 });
  });

  // The page and its unread count share one GetItem of the read marker (STATE).
  it('one activity page: Query activity + GetItem marker + two BatchGetItem (actors and photos, viewer state) + Query unread count', async () => {
    const ACTIVITY = { Query: 2, GetItem: 1, BatchGetItem: 2 };
    let page = await getActivity(db, OWNER, { limit: 3 });
    expect(page.items.length).toBe(3);
    expect(page.unreadCount).toBeGreaterThan(0);
    expect(await requestsOf(async () => (page = await getActivity(db, OWNER, { limit: 3 })))).toEqual(ACTIVITY);
    expect(await requestsOf(() => getActivity(db, OWNER, { limit: ACTIVITY_PAGE_MAX, cursor: page.nextCursor }))).toEqual(ACTIVITY);
    // The endpoint makes exactly these requests (authentication adds none).
    const photosDir = await mkdtemp(join(tmpdir(), 'qp-counts-'));
    const app = await buildApp({ db, client: db.client, config: testConfig({ TABLE_NAME: db.table, PHOTOS_DIR: photosDir }), blobs: createLocalBlobStore(photosDir) });
    try {
      const call = caller(await listen(app));
      const { accessToken } = await createTokenService(JWT_SECRET, 600).issue(OWNER);
      metrics.reset();
      const answer = await call('GET', `/v1/me/activity?limit=${ACTIVITY_PAGE_MAX}`, { token: accessToken });
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
      expect(requestCounts(metrics.snapshot())).toEqual(ACTIVITY);
    } finally {
      await app.close();
      await rm(photosDir, { recursive: true, force: true });
    }
  });

  // Each web screen's calls as the app sends them (web/src/screens/*.tsx), over HTTP on the lean
  // client: BENCHMARKS.md's "requests per screen" table. The mobile flows call the same endpoints.
  it('requests per screen: feed, profile, photo detail, activity', async () => {
    const photosDir = await mkdtemp(join(tmpdir(), 'qp-screens-'));
    const app = await buildApp({ db, client: db.client, config: testConfig({ TABLE_NAME: db.table, PHOTOS_DIR: photosDir }), blobs: createLocalBlobStore(photosDir) });
    try {
      const call = caller(await listen(app));
      const { accessToken: token } = await createTokenService(JWT_SECRET, 600).issue(READER);
      const screen = async (paths: string[]) => {
        metrics.reset();
        for (const path of paths) {
          const answer = await call('GET', path, { token });
          expect(answer.status, `${path}: ${JSON.stringify(answer.body)}`).toBe(200);
        }
        const counts = requestCounts(metrics.snapshot());
        expect(counts).not.toHaveProperty('Scan');
        return counts;
      };
      const screens = {
        feed: await screen(['/v1/me/feed?limit=8']),
        profile: await screen([`/v1/users/${OWNER}?expand=photos&photosLimit=18`]),
        photo: await screen([`/v1/photos/${PHOTO_ID}?expand=reactions,comments&reactionsLimit=50`]),
        activity: await screen(['/v1/me/activity']),
      };
      expect(screens).toEqual(SCREENS);
    } finally {
      await app.close();
      await rm(photosDir, { recursive: true, force: true });
    }
  });

  it('one tag page: Query of the tag + one BatchGetItem (photos with their comment summaries, authors, viewer state) up to its largest page; tag search: one Query', async () => {
    metrics.detach();
    // The sample captions carry no tags: some are tagged here, and indexed as the tag view does.
    const photos = (await listRecentPhotos(db, OWNER, { limit: TAG_PAGE_MAX + 2 })).items;
    for (const photo of photos) for (const entry of captionTagEntries(await updateCaption(db, OWNER, photo.timestamp, 'counted #Requests'))) await addTagEntry(derivedDb(db), entry);
    metrics = attachMetrics(db.client);
    let page = await getTagPhotos(db, READER, 'requests');
    expect(page.items).toHaveLength(9);
    expect(await requestsOf(async () => (page = await getTagPhotos(db, READER, 'requests')))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOf(() => getTagPhotos(db, READER, 'requests', { limit: TAG_PAGE_MAX, cursor: page.nextCursor }))).toEqual({ Query: 1, BatchGetItem: 1 });
    expect(await requestsOf(() => searchTags(db, 'req'))).toEqual({ Query: 1 });
    expect(await searchTags(db, 'req')).toEqual([{ tag: 'requests', count: photos.length }]);
  });

  it('no Scan anywhere on the way', async () => {
    metrics.reset();
    await getFeed(db, READER, { limit: 16 });
    await getActivity(db, OWNER);
    await getTagPhotos(db, READER, 'requests');
    expect(metrics.snapshot()).not.toHaveProperty('Scan');
  });
});

describe('feed page cost with 0, 1 and 25 big accounts followed', () => {
  // Threshold 4: the small authors (three readers each) are fanned out; the big ones (three fans more) merged at read time.
  const BIG = Array.from({ length: 25 }, (_, i) => `bigacct${String(i).padStart(2, '0')}`);
  const SMALL = Array.from({ length: 12 }, (_, i) => `smallacct${String(i).padStart(2, '0')}`);
  const follows: [string, string[]][] = [
    ['reader0', SMALL],
    ['reader1', [...SMALL, BIG[0]!]],
    ['reader25', [...SMALL, ...BIG]],
  ];
  const FANS = ['fan1', 'fan2', 'fan3'];
  let fdb: TestDb;
  let meter: Metrics;

  beforeAll(async () => {
    fdb = onSdk(await createTestDb());
    const { batchWrite } = await import('../src/derived/store/index.js');
    const { Friendship, Photo, User } = await import('../src/schema/entities/index.js');
    const user = (username: string, followers: number, following: number) =>
      User.encode({ username, name: `User ${username}`, email: `${username}@example.com`, birthdate: '1990-01-01', address: '', status: '', interests: [], followers, following });
    const followersOf = (author: string) => [...follows.filter(([, list]) => list.includes(author)).map(([r]) => r), ...(BIG.includes(author) ? FANS : [])];
    await batchWrite(fdb, [
      ...follows.map(([reader, list]) => ({ put: { ...user(reader, 0, list.length) } })),
      ...FANS.map((f) => ({ put: { ...user(f, 0, BIG.length) } })),
      ...[...BIG, ...SMALL].map((a) => ({ put: { ...user(a, followersOf(a).length, 0) } })),
      ...[...BIG, ...SMALL].flatMap((a) => followersOf(a).map((f) => ({ put: { ...Friendship.encode({ followedUser: a, followingUser: f, timestamp: '2024-01-01T00:00:00' }) } }))),
    ]);
    // Two photos each, interleaved in time so every page mixes fanned-out and merged photos.
    await batchWrite(fdb, [...BIG, ...SMALL].flatMap((a, i) => [0, 1].map((k) => ({
      put: { ...Photo.encode({ username: a, timestamp: `2026-01-0${k + 1}T00:${String(i + 10).padStart(2, '0')}:00`, location: 'file:///p.png', reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 } }) },
    }))));
    await deriveLoaded(fdb, (on) => buildViews(on, testConfig({ FEED_FANOUT_THRESHOLD: '4' }).derived));
    // A third party (fan1, followed by no reader) comments on every newest photo: each page's
    // previews are by someone the page does not read, summarized as the comment-summary view does.
    const { postComment } = await import('../src/patterns/index.js');
    const { writeCommentSummary } = await import('../src/patterns/comment-summary.js');
    for (const a of [...BIG, ...SMALL]) {
      const photo = { username: a, timestamp: `2026-01-02T00:${String([...BIG, ...SMALL].indexOf(a) + 10).padStart(2, '0')}:00` };
      await postComment(fdb, { author: 'fan1', photoOwner: a, photoTimestamp: photo.timestamp, text: 'nice' });
      await writeCommentSummary(fdb, photo);
    }
    meter = attachMetrics(fdb.client);
  }, 180_000);

  afterAll(async () => {
    meter.detach();
    await fdb.drop();
  });

  it.each([
    // The comment summaries ride on the photos, and third parties' previews are decided from the
    // page's own batch (the authors' stored status, the reader's block names): the budget as before comments.
    ['reader0', 0, { Query: 1, BatchGetItem: 1 }],
    ['reader1', 1, { Query: 1, BatchGetItem: 2 }],
    ['reader25', 25, { Query: 1, BatchGetItem: 2 }],
  ] as const)('%s (%i big accounts): every page in %o', async (reader, big, cost) => {
    let cursor: string | undefined;
    const authors = new Set<string>();
    let seenPreviews = false;
    let pages = 0;
    do {
      let page: Awaited<ReturnType<typeof getFeed>> | undefined;
      expect(await requestsOf(async () => (page = await getFeed(fdb, reader, { limit: 10, ...(cursor ? { cursor } : {}) })), meter)).toEqual(cost);
      for (const item of page!.items) authors.add(item.author.username);
      if (page!.items.some((i) => i.comments.previews.some((p) => p.author === 'fan1'))) seenPreviews = true;
      cursor = page!.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(1);
    expect([...authors].filter((a) => a.startsWith('bigacct')).length).toBe(big);
    expect(seenPreviews).toBe(true);
  });

  it('a reader with blocks: the same budget; past the names their item keeps, one BatchGetItem more (the block items)', async () => {
    const { blockUser, unblockUser } = await import('../src/patterns/index.js');
    const { UpdateCommand } = await import('@aws-sdk/lib-dynamodb');
    const previews = async () => (await getFeed(fdb, 'reader0', { limit: 10 })).items.flatMap((i) => i.comments.previews.map((p) => p.author));
    expect(await previews()).toContain('fan1');
    await blockUser(fdb, 'reader0', 'fan2');
    await blockUser(fdb, 'fan3', 'reader0');
    try {
      expect(await requestsOf(() => getFeed(fdb, 'reader0', { limit: 10 }), meter)).toEqual({ Query: 1, BatchGetItem: 1 });
      await blockUser(fdb, 'reader0', 'fan1');
      expect(await requestsOf(() => getFeed(fdb, 'reader0', { limit: 10 }), meter)).toEqual({ Query: 1, BatchGetItem: 1 });
      expect(await previews()).not.toContain('fan1');
      // As a reader blocking more than BLOCK_NAMES_MAX users is: the counter above the names kept.
      await fdb.doc.send(new UpdateCommand({ TableName: fdb.table, Key: keys.user('reader0'), UpdateExpression: 'SET blocking = blocking + :n', ExpressionAttributeValues: { ':n': 1_000 } }));
      expect(await requestsOf(() => getFeed(fdb, 'reader0', { limit: 10 }), meter)).toEqual({ Query: 1, BatchGetItem: 2 });
      expect(await previews()).not.toContain('fan1');
      await fdb.doc.send(new UpdateCommand({ TableName: fdb.table, Key: keys.user('reader0'), UpdateExpression: 'SET blocking = blocking - :n', ExpressionAttributeValues: { ':n': 1_000 } }));
    } finally {
      for (const [blocker, blocked] of [['reader0', 'fan1'], ['reader0', 'fan2'], ['fan3', 'reader0']] as const) await unblockUser(fdb, blocker, blocked).catch(() => undefined);
    }
  });
});
