/**
 * The benchmarked access patterns, each twice: the HTTP request the API serves it with, and
 * the raw SDK call(s) the pattern makes (same key conditions, same page size, same
 * transaction items), so the two sides do the same DynamoDB work. Reads of another user's
 * content include the visibility guard's BatchGetItem (src/http/visibility.ts), as the API
 * sends it first; the counting pass shows both sides' requests side by side.
 *
 * Request `k` of a run picks its target from `k`: reads rotate over many users and photos;
 * writes need a target no earlier request used, so actor and target advance together with
 * pool sizes that are coprime (unique pairs for k < actors x targets, by the Chinese
 * remainder theorem) and neighbouring requests never touch the same items.
 */
import { randomUUID } from 'node:crypto';
import { BatchGetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { ACTIVE_USER, activeUserCheck } from '../src/patterns/guards.js';
import { DEFAULT_PAGE_SIZE, getFeed, listComments, postComment, type Db } from '../src/patterns/index.js';
import { notBlocked } from '../src/patterns/safety/blocks.js';
import { REACTION_TYPES } from '../src/schema/entities.js';
import { photoId } from '../src/schema/ids.js';
import type { RawItem } from '../src/schema/entity.js';
import { Friendship, Reaction } from '../src/schema/entities/index.js';
import { INVERTED_INDEX, keys, photoSk, ranges } from '../src/schema/keys.js';
import { uniqueTimestamp } from '../src/schema/timestamps.js';

export interface Fixture {
  /** Dataset users with at least one photo, follower and followed user (one request per read). */
  users: string[];
  /** Dataset photos; an odd count, coprime with the (power of two) actor count. */
  photos: { owner: string; timestamp: string }[];
  /** Signed-up accounts the API requests act as; a power of two. */
  actors: { username: string; token: string }[];
  /** Dataset users who follow others, with a token each: the feed page's readers (their feeds derived before the run). */
  readers: { username: string; token: string }[];
}

export interface ApiRequest {
  method: 'GET' | 'PUT' | 'POST';
  path: string;
  token: string;
  /** A JSON body (a comment's text). */
  json?: unknown;
}

export interface Scenario {
  name: string;
  kind: 'read' | 'write';
  api(k: number, f: Fixture): ApiRequest;
  raw(k: number, f: Fixture, db: Db): Promise<unknown>;
}

const seg = encodeURIComponent;
const pick = <T>(list: T[], k: number): T => list[k % list.length]!;
/** The largest odd length not above n: coprime with any power of two. */
const odd = (n: number) => (n % 2 === 1 ? n : n - 1);
const LIMIT = DEFAULT_PAGE_SIZE + 1;

const user = (k: number, f: Fixture) => pick(f.users, k);
const actor = (k: number, f: Fixture) => pick(f.actors, k);
const get = (path: string, k: number, f: Fixture): ApiRequest => ({ method: 'GET', path, token: actor(k, f).token });

/** The visibility guard's read before any GET naming another user (patterns/safety/visibility.ts: viewOf). */
function guardRead(db: Db, owner: string, viewer: string) {
  const Keys = [keys.user(owner), keys.block(owner, viewer), keys.user(viewer), keys.friendship(owner, viewer), keys.friendship(viewer, owner), keys.followRequest(owner, viewer)];
  return db.doc.send(new BatchGetCommand({ RequestItems: { [db.table]: { Keys } } }));
}

/** A guarded read: the guard's BatchGetItem for the request's owner and actor, then the pattern's own call(s). */
const guarded =
  (owner: (k: number, f: Fixture) => string, read: (k: number, f: Fixture, db: Db) => Promise<unknown>) =>
  async (k: number, f: Fixture, db: Db): Promise<unknown> => {
    await guardRead(db, owner(k, f), actor(k, f).username);
    return read(k, f, db);
  };
const photoOwner = (k: number, f: Fixture) => pick(f.photos, k).owner;

function followedQuery(db: Db, username: string) {
  return db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: INVERTED_INDEX,
      KeyConditionExpression: 'SK = :sk',
      ExpressionAttributeValues: { ':sk': ranges.followedBy(username).sk },
      Limit: LIMIT,
    }),
  );
}

function reactTarget(k: number, f: Fixture) {
  const photos = odd(f.photos.length);
  const photo = f.photos[k % photos]!;
  const type = REACTION_TYPES[Math.floor(k / (f.actors.length * photos)) % REACTION_TYPES.length]!;
  return { actor: actor(k, f), ...photo, type };
}

function followTarget(k: number, f: Fixture) {
  return { actor: actor(k, f), followed: f.users[k % odd(f.users.length)]! };
}

/**
 * The feed page's DynamoDB calls, per reader, as the pattern sent them once (recorded by
 * recordFeedCalls): the raw side and the bare route replay exactly these, in order. The data
 * does not change during a run, so the recorded calls are the calls each request makes.
 */
type Recorded = { command: new (input: never) => object; input: unknown }[];
const feedCalls = new Map<string, Recorded>();

/** Records the calls getFeed makes for each reader (see feedCalls). */
export async function recordFeedCalls(db: Db, readers: Fixture['readers']): Promise<void> {
  for (const { username } of readers) {
    const calls: Recorded = [];
    const doc = {
      send: (command: { constructor: Recorded[number]['command']; input: unknown }) => {
        calls.push({ command: command.constructor, input: command.input });
        return (db.doc.send as (c: unknown) => Promise<unknown>)(command);
      },
    } as unknown as Db['doc'];
    const page = await getFeed({ ...db, doc }, username);
    if (page.items.length === 0) throw new Error(`${username}'s feed is empty: the feed page would measure nothing`);
    feedCalls.set(username, calls);
  }
}

const reader = (k: number, f: Fixture) => pick(f.readers, k);

/** A user's first page of photos, newest first, and the viewer's own reactions on them (patterns/viewer.ts: 4 keys a photo). */
async function recentPhotosRaw(k: number, f: Fixture, db: Db): Promise<unknown> {
  const range = ranges.photosOf(user(k, f));
  const page = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
      ScanIndexForward: false,
      Limit: LIMIT,
    }),
  );
  const viewer = actor(k, f).username;
  const photos = (page.Items ?? []).slice(0, DEFAULT_PAGE_SIZE) as RawItem[];
  const Keys = photos.flatMap((p) => REACTION_TYPES.map((type) => keys.reaction(viewer, type, String(p.username), String(p.timestamp))));
  if (Keys.length === 0) return page;
  return db.doc.send(new BatchGetCommand({ RequestItems: { [db.table]: { Keys } } }));
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'get profile',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}`, k, f),
    // The route answers from the profile the guard read: that BatchGetItem is the whole pattern.
    raw: (k, f, db) => guardRead(db, user(k, f), actor(k, f).username),
  },
  {
    name: 'feed page',
    kind: 'read',
    api: (k, f) => ({ method: 'GET', path: '/v1/me/feed', token: reader(k, f).token }),
    raw: async (k, f, db) => {
      const calls = feedCalls.get(reader(k, f).username);
      if (!calls) throw new Error('recordFeedCalls must run first');
      let last: unknown;
      for (const { command, input } of calls) last = await (db.doc.send as (c: unknown) => Promise<unknown>)(new command(input as never));
      return last;
    },
  },
  {
    name: 'recent photos',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}/photos`, k, f),
    raw: guarded(user, (k, f, db) => recentPhotosRaw(k, f, db)),
  },
  {
    // The profile screen in one call: the profile and its first page of photos behind one guard read
    // (before, the screen was "get profile" and "recent photos": two calls, the guard read twice).
    name: 'profile screen',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}?expand=photos`, k, f),
    raw: guarded(user, (k, f, db) => recentPhotosRaw(k, f, db)),
  },
  {
    name: 'photo with reactions',
    kind: 'read',
    api: (k, f) => {
      const p = pick(f.photos, k);
      return get(`/v1/photos/${photoId(p.owner, p.timestamp)}/reactions`, k, f);
    },
    raw: guarded(photoOwner, (k, f, db) => {
      const p = pick(f.photos, k);
      const range = ranges.photoAndReactions(p.owner, p.timestamp);
      return db.doc.send(
        new QueryCommand({
          TableName: db.table,
          IndexName: INVERTED_INDEX,
          KeyConditionExpression: 'SK = :sk AND PK BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':sk': range.sk, ':from': range.from, ':to': range.to },
          ScanIndexForward: false,
          // The page plus the photo item plus one to know whether more exist.
          Limit: LIMIT + 1,
        }),
      );
    }),
  },
  {
    name: 'followers',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}/followers`, k, f),
    raw: guarded(user, (k, f, db) => {
      const range = ranges.followersOf(user(k, f));
      return db.doc.send(
        new QueryCommand({
          TableName: db.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': range.pk, ':prefix': range.prefix },
          Limit: LIMIT,
        }),
      );
    }),
  },
  {
    name: 'followed',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}/following`, k, f),
    raw: guarded(user, (k, f, db) => followedQuery(db, user(k, f))),
  },
  {
    name: 'followed enriched',
    kind: 'read',
    api: (k, f) => get(`/v1/users/${seg(user(k, f))}/following?expand=profile`, k, f),
    raw: guarded(user, async (k, f, db) => {
      const page = await followedQuery(db, user(k, f));
      const items = (page.Items ?? []).slice(0, DEFAULT_PAGE_SIZE) as RawItem[];
      // The profiles and the viewer's relation to each (patterns/lists.ts: relate).
      const viewer = actor(k, f).username;
      const names = [...new Set(items.map((item) => String(item.followedUser)))];
      const others = names.filter((name) => name !== viewer);
      const keyList = [...names.map((name) => keys.user(name)), ...others.flatMap((name) => [keys.friendship(name, viewer), keys.friendship(viewer, name)])];
      if (keyList.length === 0) return page;
      return db.doc.send(new BatchGetCommand({ RequestItems: { [db.table]: { Keys: keyList } } }));
    }),
  },
  {
    name: 'react',
    kind: 'write',
    api: (k, f) => {
      const t = reactTarget(k, f);
      return { method: 'PUT', path: `/v1/photos/${photoId(t.owner, t.timestamp)}/reactions/${seg(t.type)}`, token: t.actor.token };
    },
    raw: (k, f, db) => {
      const t = reactTarget(k, f);
      const reaction = { reactingUser: t.actor.username, reactionType: t.type, photo: photoSk(t.owner, t.timestamp), timestamp: uniqueTimestamp() };
      return db.doc.send(
        new TransactWriteCommand({
          ClientRequestToken: randomUUID(),
          TransactItems: [
            { Put: { TableName: db.table, Item: Reaction.encode(reaction), ConditionExpression: 'attribute_not_exists(SK)' } },
            {
              Update: {
                TableName: db.table,
                Key: keys.photo(t.owner, t.timestamp),
                UpdateExpression: 'SET reactions.#t = if_not_exists(reactions.#t, :zero) + :one',
                ConditionExpression: 'attribute_exists(PK)',
                ExpressionAttributeNames: { '#t': t.type },
                ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
              },
            },
            activeUserCheck(db, t.actor.username),
            notBlocked(db, t.owner, t.actor.username),
            notBlocked(db, t.actor.username, t.owner),
            { ConditionCheck: { TableName: db.table, Key: keys.privateMark(t.owner), ConditionExpression: 'attribute_not_exists(PK)' } },
          ],
        }),
      );
    },
  },
  {
    name: 'follow',
    kind: 'write',
    api: (k, f) => {
      const t = followTarget(k, f);
      return { method: 'PUT', path: `/v1/users/${seg(t.followed)}/followers/me`, token: t.actor.token };
    },
    raw: (k, f, db) => {
      const t = followTarget(k, f);
      const returnOld = { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
      const friendship = { followedUser: t.followed, followingUser: t.actor.username, timestamp: uniqueTimestamp() };
      return db.doc.send(
        new TransactWriteCommand({
          ClientRequestToken: randomUUID(),
          TransactItems: [
            { Put: { TableName: db.table, Item: Friendship.encode(friendship), ConditionExpression: 'attribute_not_exists(SK)' } },
            {
              Update: {
                TableName: db.table,
                Key: keys.user(t.followed),
                UpdateExpression: 'SET followers = followers + :one',
                ConditionExpression: `${ACTIVE_USER} AND (attribute_not_exists(#private) OR #private = :false)`,
                ExpressionAttributeNames: { '#private': 'private' },
                ExpressionAttributeValues: { ':one': 1, ':false': false },
                ...returnOld,
              },
            },
            {
              Update: {
                TableName: db.table,
                Key: keys.user(t.actor.username),
                UpdateExpression: 'SET following = following + :one',
                ConditionExpression: ACTIVE_USER,
                ExpressionAttributeValues: { ':one': 1 },
                ...returnOld,
              },
            },
            notBlocked(db, t.followed, t.actor.username),
            notBlocked(db, t.actor.username, t.followed),
          ],
        }),
      );
    },
  },
  {
    // The raw side is the pattern itself (its one TransactWriteItems of 7 items, src/patterns/comments.ts):
    // API - raw is then the HTTP layers, validation and the Idempotency-Key-less route.
    name: 'post comment',
    kind: 'write',
    api: (k, f) => {
      const p = pick(f.photos, k);
      return { method: 'POST', path: `/v1/photos/${photoId(p.owner, p.timestamp)}/comments`, token: actor(k, f).token, json: { text: `bench comment ${k} #bench` } };
    },
    raw: (k, f, db) => {
      const p = pick(f.photos, k);
      return postComment(db, { author: actor(k, f).username, photoOwner: p.owner, photoTimestamp: p.timestamp, text: `bench comment ${k} #bench` });
    },
  },
  {
    // After 'post comment' in a run, the photos hold comments; the raw side is the pattern's own reads.
    name: 'list comments',
    kind: 'read',
    api: (k, f) => {
      const p = pick(f.photos, k);
      return get(`/v1/photos/${photoId(p.owner, p.timestamp)}/comments`, k, f);
    },
    raw: (k, f, db) => {
      const p = pick(f.photos, k);
      return listComments(db, actor(k, f).username, p.owner, p.timestamp);
    },
  },
];

export const scenarioByName = (name: string): Scenario => {
  const found = SCENARIOS.find((s) => s.name === name);
  if (!found) throw new Error(`No scenario named ${name}`);
  return found;
};
