/**
 * The lean client against the SDK's DocumentClient (the reference): every access pattern runs
 * through both on the same data (two tables loaded from the same reference items, the same
 * writes applied to each), and results, errors and the tables' final contents must be equal.
 * Raw commands are compared too, down to error names, messages and CancellationReasons.
 */
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, ScanCommand, TransactWriteCommand, UpdateCommand, BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileLines, loadItems } from '../src/admin/load.js';
import type { DocClient } from '../src/engine/doc-client.js';
import {
  createSession,
  createUser,
  deletePhoto,
  findUser,
  followUser,
  getPhoto,
  getPhotoWithReactions,
  getUser,
  getUserAndPhotos,
  listFollowed,
  listFollowedWithProfiles,
  listFollowers,
  listRecentPhotos,
  reactToPhoto,
  removeReaction,
  revokeSession,
  rotateSession,
  signUp,
  unfollowUser,
  updateUser,
  uploadPhoto,
  verifyCredentials,
  verifyLogin,
  type Db,
} from '../src/patterns/index.js';
import { keys } from '../src/schema/keys.js';
import { createTestDb, REFERENCE_ITEMS, type TestDb } from './support/db.js';

const OWNER = 'jacksonjason';
const PHOTO = '2019-03-03T18:20:10';
const FOLLOWED_BY_MANY = 'haroldwatkins';
const FOLLOWS_MANY = 'geoffrey32';
const THIS_YEAR = String(new Date().getUTCFullYear());

let sdk: TestDb;
let lean: TestDb;
let sdkDb: Db;
let leanDb: Db;

beforeAll(async () => {
  [sdk, lean] = await Promise.all([createTestDb(), createTestDb()]);
  for (const t of [sdk, lean]) expect((await loadItems(t.doc, t.table, fileLines(REFERENCE_ITEMS))).written).toBe(967);
  sdkDb = { ...sdk, doc: sdk.sdk };
  leanDb = { ...lean, doc: lean.patterns };
});

afterAll(async () => {
  await Promise.all([sdk.drop(), lean.drop()]);
});

/**
 * What a call produced, comparable across the two tables: table names become TABLE, times
 * generated during the run (the reference data is from 2018-2019), secrets and cursors (sealed
 * with a random nonce) become fixed markers; cursors are compared by presence and by the
 * next page they lead to.
 */
function normalize(value: unknown, table: string): unknown {
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Error ? describeError(v) : typeof v === 'bigint' ? `${v}n` : v));
  if (text === undefined) return undefined;
  return JSON.parse(
    text
      .replaceAll(table, 'TABLE')
      .replace(new RegExp(`${THIS_YEAR}-\\d\\d-\\d\\dT[0-9:.]+Z?`, 'g'), 'NOW')
      .replace(/"(refreshToken|accessToken|sessionId|accountId)":"[^"]+"/g, '"$1":"SECRET"')
      // Epoch-millisecond clocks (sessionsValidAfter, revocation times).
      .replace(/":(1[6-9]\d{11})([,}\]])/g, '":"EPOCH_MS"$2')
      // Expiry times are "now + TTL" in epoch seconds: the two runs may straddle a second.
      .replace(/"(expiresAt|ttl|expires)":\d+/g, '"$1":"LATER"')
      // Any other epoch-seconds clock (a token's expiry, a rate window's start) likewise.
      .replace(/":(1[6-9]\d{8})([,}\]])/g, '":"EPOCH"$2')
      // Cursors are sealed with a random nonce: equal pages give different cursor strings.
      .replace(/"nextCursor":"[^"]+"/g, '"nextCursor":"CURSOR"'),
  ) as unknown;
}

function describeError(error: Error): Record<string, unknown> {
  const e = error as Error & { code?: string; kind?: string; details?: unknown; CancellationReasons?: unknown; $fault?: string; $metadata?: { httpStatusCode?: number } };
  return {
    name: e.name,
    message: e.message,
    code: e.code,
    kind: e.kind,
    details: e.details,
    CancellationReasons: e.CancellationReasons,
    $fault: e.$fault,
    status: e.$metadata?.httpStatusCode,
  };
}

async function settle<T>(run: () => Promise<T>): Promise<{ ok: T } | { error: unknown }> {
  try {
    return { ok: await run() };
  } catch (error) {
    return { error };
  }
}

/** Runs `step` on the SDK's table, then the lean client's, and expects the same outcome. */
async function same<T>(step: (db: Db) => Promise<T>): Promise<T | undefined> {
  const reference = await settle(() => step(sdkDb));
  const candidate = await settle(() => step(leanDb));
  expect(normalize(candidate, lean.table)).toEqual(normalize(reference, sdk.table));
  return 'ok' in reference ? reference.ok : undefined;
}

/** The same raw command on both clients; outputs compared without $metadata (request ids differ). */
async function sameRaw(make: (table: string) => object): Promise<void> {
  const run = async (doc: DocClient, table: string) =>
    settle(async () => {
      // Any lib-dynamodb command; the union of their types is more than `send` can name.
      const { $metadata, ...output } = await doc.send(make(table) as GetCommand);
      expect($metadata.httpStatusCode).toBe(200);
      return output;
    });
  const reference = await run(sdk.sdk, sdk.table);
  const candidate = await run(lean.patterns, lean.table);
  expect(normalize(candidate, lean.table)).toEqual(normalize(reference, sdk.table));
}

describe('every read pattern gives the same result through both clients', () => {
  it('profiles, photos, reactions, followers and following, page by page', async () => {
    await same((db) => getUser(db, OWNER));
    await same((db) => findUser(db, 'nobody-here'));
    await same((db) => getUser(db, 'nobody-here'));
    const first = await same((db) => getUserAndPhotos(db, OWNER, { limit: 2 }));
    expect(first?.photos.nextCursor).toBeDefined();
    await same((db) => getUserAndPhotos(db, OWNER, { limit: 2, cursor: first?.photos.nextCursor }));
    await same((db) => getPhoto(db, OWNER, PHOTO));
    await same((db) => getPhoto(db, OWNER, '2001-01-01T00:00:00'));
    await same((db) => getPhotoWithReactions(db, OWNER, PHOTO, { limit: 3 }));
    await same((db) => listRecentPhotos(db, OWNER));
    const followers = await same((db) => listFollowers(db, FOLLOWED_BY_MANY, { limit: 5 }));
    await same((db) => listFollowers(db, FOLLOWED_BY_MANY, { limit: 5, cursor: followers?.nextCursor }));
    await same((db) => listFollowed(db, FOLLOWS_MANY));
    await same((db) => listFollowedWithProfiles(db, FOLLOWS_MANY, { limit: 100 }));
    await same((db) => listFollowed(db, 'nobody-here'));
    await same((db) => listRecentPhotos(db, OWNER, { limit: 1000 }));
    await same((db) => listRecentPhotos(db, OWNER, { cursor: 'forged' }));
  });
});

describe('every write pattern does the same through both clients', () => {
  const name = 'differential';
  const password = 'correct horse battery staple';
  const profile = { username: name, name: 'Diff Erential', email: 'diff@example.com', birthdate: '1990-01-01', password };

  it('writes, their refusals, and the tables they leave behind', async () => {
    await same((db) => signUp(db, profile));
    await same((db) => signUp(db, profile));
    await same((db) => createUser(db, { ...profile, username: 'second-user', password: undefined }));
    await same((db) => verifyCredentials(db, { username: name, password }));
    await same((db) => verifyCredentials(db, { username: name, password: 'wrong password entirely' }));
    const logins = await Promise.all([verifyLogin(sdkDb, { username: name, password }), verifyLogin(leanDb, { username: name, password })]);
    const grants = await Promise.all([createSession(sdkDb, name, 3600, logins[0].accountId), createSession(leanDb, name, 3600, logins[1].accountId)]);
    await same((db) => rotateSession(db, grants[db === sdkDb ? 0 : 1].refreshToken, 3600));
    await same((db) => rotateSession(db, grants[db === sdkDb ? 0 : 1].refreshToken, 3600));
    await same((db) => revokeSession(db, 'not-a-token'));
    await same((db) => updateUser(db, name, { status: 'comparing', interests: ['a', 'b'] }));
    await same((db) => updateUser(db, 'nobody-here', { status: 'x' }));
    await same((db) => uploadPhoto(db, { username: name, location: 'file:///a.png', timestamp: '2020-01-01T00:00:00' }));
    await same((db) => uploadPhoto(db, { username: name, location: 'file:///b.png', timestamp: '2020-01-01T00:00:00' }));
    await same((db) => uploadPhoto(db, { username: 'nobody-here', location: 'file:///c.png' }));
    const target = { reactingUser: name, owner: OWNER, timestamp: PHOTO, type: 'heart' };
    await same((db) => reactToPhoto(db, target));
    await same((db) => reactToPhoto(db, target));
    await same((db) => reactToPhoto(db, { ...target, timestamp: '2001-01-01T00:00:00' }));
    await same((db) => removeReaction(db, { ...target, type: 'smiley' }));
    await same((db) => followUser(db, name, FOLLOWED_BY_MANY));
    await same((db) => followUser(db, name, FOLLOWED_BY_MANY));
    await same((db) => followUser(db, name, name));
    await same((db) => unfollowUser(db, name, 'second-user'));
    await same((db) => getPhotoWithReactions(db, OWNER, PHOTO, { limit: 100 }));
    await same((db) => deletePhoto(db, name, '2020-01-01T00:00:01'));
    await same((db) => deletePhoto(db, name, '2020-01-01T00:00:01'));
    await same((db) => getUser(db, FOLLOWED_BY_MANY));

    const scan = async (t: TestDb) => {
      const items: unknown[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await t.doc.send(new ScanCommand({ TableName: t.table, ExclusiveStartKey: start, ConsistentRead: true }));
        items.push(...(page.Items ?? []));
        start = page.LastEvaluatedKey;
      } while (start);
      // Session ids, token and password hashes are random per table; their presence is what counts.
      const stable = items.map((item) => normalize(item, t.table) as Record<string, unknown>);
      const masked = stable.map((item) => ({
        ...item,
        ...(String(item.SK).startsWith('SESSION#') ? { SK: 'SESSION#', PK: item.PK } : {}),
        ...('passwordHash' in item ? { passwordHash: 'HASH' } : {}),
        ...('tokenHash' in item ? { tokenHash: 'HASH' } : {}),
        // Rotating session families: hashes, salts and the rotation's second are random or clocked.
        ...('currentHash' in item ? { currentHash: 'HASH' } : {}),
        ...('previousHash' in item ? { previousHash: 'HASH' } : {}),
        ...('salt' in item ? { salt: 'SALT' } : {}),
        ...('rotatedAt' in item ? { rotatedAt: 'NOW' } : {}),
      }));
      return masked.map((item) => JSON.stringify(item, Object.keys(item).sort())).sort();
    };
    const [reference, candidate] = await Promise.all([scan(sdk), scan(lean)]);
    expect(candidate.length).toBe(reference.length);
    expect(candidate).toEqual(reference);
  });
});

describe('raw commands: outputs and errors match the SDK', () => {
  it('reads, conditional writes, transactions, validation and missing tables', async () => {
    await sameRaw((t) => new GetCommand({ TableName: t, Key: keys.user(OWNER) }));
    await sameRaw((t) => new GetCommand({ TableName: t, Key: keys.user('nobody-here'), ConsistentRead: true }));
    await sameRaw((t) => new GetCommand({ TableName: t, Key: keys.user(OWNER), ProjectionExpression: 'PK, interests', ReturnConsumedCapacity: 'TOTAL' }));
    await sameRaw((t) => new QueryCommand({ TableName: t, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `USER#${OWNER}` }, Limit: 2 }));
    await sameRaw((t) => new BatchGetCommand({ RequestItems: { [t]: { Keys: [keys.user(OWNER), keys.user(FOLLOWS_MANY), keys.user('nobody-here')] } } }));
    await sameRaw((t) => new PutCommand({ TableName: t, Item: { ...keys.user(OWNER), x: 1 }, ConditionExpression: 'attribute_not_exists(PK)' }));
    await sameRaw((t) =>
      new PutCommand({ TableName: t, Item: { PK: 'DIFF#1', SK: 'DIFF#1', n: 1.5, s: new Set(['a', 'b']), m: { deep: [1, 'x', null, true] }, b: new Uint8Array([1, 2]), gone: undefined } }),
    );
    await sameRaw((t) => new GetCommand({ TableName: t, Key: { PK: 'DIFF#1', SK: 'DIFF#1' } }));
    await sameRaw((t) => new UpdateCommand({ TableName: t, Key: { PK: 'DIFF#1', SK: 'DIFF#1' }, UpdateExpression: 'SET n = n + :one', ExpressionAttributeValues: { ':one': 1 }, ReturnValues: 'ALL_NEW' }));
    await sameRaw((t) => new UpdateCommand({ TableName: t, Key: { PK: 'DIFF#1', SK: 'DIFF#1' }, UpdateExpression: 'SET n = :v', ConditionExpression: 'n > :big', ExpressionAttributeValues: { ':v': 0, ':big': 100 }, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }));
    await sameRaw((t) =>
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: t, Item: { PK: 'DIFF#2', SK: 'DIFF#2' } } },
          { ConditionCheck: { TableName: t, Key: keys.user('nobody-here'), ConditionExpression: 'attribute_exists(PK)' } },
        ],
      }),
    );
    await sameRaw((t) => new GetCommand({ TableName: t, Key: { PK: 'DIFF#2', SK: 'DIFF#2' } }));
    await sameRaw((t) => new QueryCommand({ TableName: t, KeyConditionExpression: 'PK = = :pk', ExpressionAttributeValues: { ':pk': 'x' } }));
    await sameRaw((t) => new QueryCommand({ TableName: t, IndexName: 'NoSuchIndex', KeyConditionExpression: 'SK = :sk', ExpressionAttributeValues: { ':sk': 'x' } }));
    await sameRaw(() => new GetCommand({ TableName: 'no-such-table-anywhere', Key: keys.user(OWNER) }));
  });

  it('numbers beyond 2^53: read as exact BigInts, refused on write, on both (util-dynamodb\'s rules)', async () => {
    for (const t of [sdk, lean]) {
      await t.client.send(new PutItemCommand({ TableName: t.table, Item: { PK: { S: 'DIFF#big' }, SK: { S: 'DIFF#big' }, n: { N: '9007199254740993' } } }));
    }
    await sameRaw((t) => new GetCommand({ TableName: t, Key: { PK: 'DIFF#big', SK: 'DIFF#big' } }));
    const read = await lean.patterns.send(new GetCommand({ TableName: lean.table, Key: { PK: 'DIFF#big', SK: 'DIFF#big' } }));
    expect(read.Item?.n).toBe(9007199254740993n);
    await expect(lean.patterns.send(new PutCommand({ TableName: lean.table, Item: { PK: 'DIFF#3', SK: 'DIFF#3', n: 2 ** 53 + 2 } }))).rejects.toThrow(/MAX_SAFE_INTEGER|precision/i);
  });
});
