/** Every access pattern against DynamoDB Local: happy paths, typed errors, and nothing half-written. */
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../src/schema/keys.js';
import {
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
  unfollowUser,
  updateUser,
  uploadPhoto,
} from '../src/patterns/index.js';
import { REACTION_TYPES } from '../src/schema/entities.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;

const profile = (username: string) => ({
  username,
  name: `Name of ${username}`,
  email: `${username}@example.com`,
  birthdate: '1990-01-31',
});

async function rawItem(key: { PK: string; SK: string }) {
  return (await db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true }))).Item;
}

async function users(...names: string[]) {
  for (const name of names) await createUser(db, profile(name));
}

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

describe('users', () => {
  it('creates a user with zero counters and every attribute the lab reads', async () => {
    const user = await createUser(db, profile('alice'));
    expect(user).toMatchObject({ username: 'alice', followers: 0, following: 0, interests: [], address: '', status: '' });
    expect(await rawItem(keys.user('alice'))).toMatchObject({ PK: 'USER#alice', SK: '#METADATA#alice', name: 'Name of alice' });
  });

  it('rejects a second sign-up of the same name and keeps the first', async () => {
    await expect(createUser(db, { ...profile('alice'), name: 'Impostor' })).rejects.toMatchObject({ code: 'USER_EXISTS', kind: 'conflict' });
    expect((await getUser(db, 'alice')).name).toBe('Name of alice');
  });

  it.each([
    ['a#b', 'key separator'],
    ['a$', 'range bound'],
    ['has space', 'white space'],
    ['UPPER', 'upper case'],
    ['', 'empty'],
    ['x'.repeat(31), 'too long'],
    ['émile', 'non-ASCII'],
  ])('rejects the username %j (%s) with VALIDATION_FAILED', async (username) => {
    await expect(createUser(db, profile(username))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(getUser(db, username)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('rejects bad profile fields with every issue listed', async () => {
    const error: unknown = await createUser(db, { ...profile('bob'), email: 'not-an-email', extra: 1 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'VALIDATION_FAILED' });
    const paths = (error as { details: { path: string }[] }).details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/email', '/extra']));
    await expect(createUser(db, { ...profile('bob'), birthdate: '2019-02-31' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(await findUser(db, 'bob')).toBeUndefined();
  });

  it('updates only mutable fields, conditional on the user existing', async () => {
    const updated = await updateUser(db, 'alice', { status: 'hello', interests: ['cats'] });
    expect(updated).toMatchObject({ username: 'alice', status: 'hello', interests: ['cats'], followers: 0 });
    await expect(updateUser(db, 'alice', { followers: 99 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(updateUser(db, 'alice', { username: 'mallory' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(updateUser(db, 'alice', {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(updateUser(db, 'ghost', { status: 'x' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(await rawItem(keys.user('ghost'))).toBeUndefined();
  });

  it('pins only one of the user’s own photos, and unpins with null', async () => {
    await expect(updateUser(db, 'alice', { pinnedImage: 'PHOTO#bob#2019-01-01T00:00:00' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const pinned = await updateUser(db, 'alice', { pinnedImage: 'PHOTO#alice#2019-01-01T00:00:00' });
    expect(pinned.pinnedImage).toBe('PHOTO#alice#2019-01-01T00:00:00');
    const unpinned = await updateUser(db, 'alice', { pinnedImage: null });
    expect(unpinned.pinnedImage).toBeUndefined();
  });

  it('answers USER_NOT_FOUND for an unknown user', async () => {
    await expect(getUser(db, 'nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND', kind: 'not_found' });
  });
});

describe('photos', () => {
  it('uploads with a canonical timestamp and all four reaction counters at zero', async () => {
    const photo = await uploadPhoto(db, { username: 'alice', location: 'file://photos/alice/1.png' });
    expect(photo.timestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/);
    expect(await rawItem(keys.photo('alice', photo.timestamp))).toMatchObject({
      username: 'alice',
      location: 'file://photos/alice/1.png',
      reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 },
    });
  });

  it('never lets two uploads with the same timestamp overwrite each other', async () => {
    const ts = '2020-05-05T05:05:05';
    const [a, b] = await Promise.all([
      uploadPhoto(db, { username: 'alice', location: 'a', timestamp: ts }),
      uploadPhoto(db, { username: 'alice', location: 'b', timestamp: ts }),
    ]);
    expect(a.timestamp).not.toBe(b.timestamp);
    expect((await getPhoto(db, 'alice', a.timestamp)).location).toBe(a.location);
    expect((await getPhoto(db, 'alice', b.timestamp)).location).toBe(b.location);
  });

  it('refuses an upload for a user that does not exist', async () => {
    await expect(uploadPhoto(db, { username: 'ghost', location: 'x' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    const left = await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'USER#ghost' } }));
    expect(left.Items).toEqual([]);
  });

  it('lists recent photos newest first, page by page, each photo exactly once', async () => {
    await users('carol');
    const stamps: string[] = [];
    for (let i = 0; i < 23; i++) stamps.push((await uploadPhoto(db, { username: 'carol', location: `p${i}`, timestamp: `2021-01-01T00:00:${String(i).padStart(2, '0')}` })).timestamp);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await listRecentPhotos(db, 'carol', { limit: 5, cursor });
      seen.push(...page.items.map((p) => p.timestamp));
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(5);
    expect(seen).toEqual([...stamps].reverse());
  });

  it('rejects a cursor from another list, a forged cursor and a bad limit', async () => {
    const page = await listRecentPhotos(db, 'carol', { limit: 5 });
    expect(page.nextCursor).toBeDefined();
    await expect(listRecentPhotos(db, 'alice', { cursor: page.nextCursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    await expect(listFollowers(db, 'carol', { cursor: page.nextCursor })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    const cursor = page.nextCursor!;
    // Opaque: no key of the table can be read out of it.
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toMatch(/USER#|PHOTO#|carol/);
    const forged = Buffer.from(JSON.stringify({ PK: 'USER#alice', SK: 'PHOTO#alice#9' })).toString('base64url');
    const flipped = Buffer.from(cursor, 'base64url');
    flipped[flipped.length - 20] = (flipped[flipped.length - 20] ?? 0) ^ 1;
    for (const bad of [forged, flipped.toString('base64url'), cursor.slice(0, 20), `${cursor}.x`]) {
      await expect(listRecentPhotos(db, 'carol', { cursor: bad })).rejects.toMatchObject({ code: 'INVALID_CURSOR' });
    }
    await expect(listRecentPhotos(db, 'carol', { limit: 0 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(listRecentPhotos(db, 'carol', { limit: 101 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('tells an empty list from an unknown user', async () => {
    await users('dave');
    expect(await listRecentPhotos(db, 'dave')).toEqual({ items: [] });
    await expect(listRecentPhotos(db, 'nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it("answers the lab's user-and-photos query, profile first", async () => {
    const { user, photos } = await getUserAndPhotos(db, 'carol', { limit: 100 });
    expect(user?.username).toBe('carol');
    expect(photos.items).toHaveLength(23);
    expect(photos.items[0]?.timestamp).toBe('2021-01-01T00:00:00');
    await expect(getUserAndPhotos(db, 'nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  it('reports PHOTO_NOT_FOUND for a missing photo', async () => {
    await expect(getPhoto(db, 'carol', '1999-01-01T00:00:00')).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    await expect(getPhotoWithReactions(db, 'carol', '1999-01-01T00:00:00')).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    await expect(getPhoto(db, 'carol', 'yesterday')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});

describe('reactions', () => {
  const ts = '2021-01-01T00:00:00';
  it('adds a reaction and increments exactly that counter', async () => {
    await reactToPhoto(db, { reactingUser: 'alice', owner: 'carol', timestamp: ts, type: 'heart' });
    const photo = await getPhoto(db, 'carol', ts);
    expect(photo.reactions).toEqual({ '+1': 0, smiley: 0, sunglasses: 0, heart: 1 });
    expect(await rawItem(keys.reaction('alice', 'heart', 'carol', ts))).toMatchObject({
      reactingUser: 'alice',
      reactionType: 'heart',
      photo: `PHOTO#carol#${ts}`,
    });
  });

  it('rejects the same reaction twice and leaves the counter alone', async () => {
    await expect(reactToPhoto(db, { reactingUser: 'alice', owner: 'carol', timestamp: ts, type: 'heart' })).rejects.toMatchObject({ code: 'REACTION_EXISTS' });
    expect((await getPhoto(db, 'carol', ts)).reactions.heart).toBe(1);
  });

  it('writes no half item when the photo, the user or the type is wrong', async () => {
    const missing = '1999-01-01T00:00:00';
    await expect(reactToPhoto(db, { reactingUser: 'alice', owner: 'carol', timestamp: missing, type: 'heart' })).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    expect(await rawItem(keys.photo('carol', missing))).toBeUndefined();
    expect(await rawItem(keys.reaction('alice', 'heart', 'carol', missing))).toBeUndefined();
    await expect(reactToPhoto(db, { reactingUser: 'ghost', owner: 'carol', timestamp: ts, type: 'smiley' })).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(reactToPhoto(db, { reactingUser: 'alice', owner: 'carol', timestamp: ts, type: 'angry' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect((await getPhoto(db, 'carol', ts)).reactions).toEqual({ '+1': 0, smiley: 0, sunglasses: 0, heart: 1 });
  });

  it('shows the photo first, then its reactions, paged', async () => {
    await users('erin', 'frank');
    await reactToPhoto(db, { reactingUser: 'erin', owner: 'carol', timestamp: ts, type: '+1' });
    await reactToPhoto(db, { reactingUser: 'frank', owner: 'carol', timestamp: ts, type: 'smiley' });
    const first = await getPhotoWithReactions(db, 'carol', ts, { limit: 2 });
    expect(first.photo?.reactions).toEqual({ '+1': 1, smiley: 1, sunglasses: 0, heart: 1 });
    expect(first.reactions.items.map((r) => r.reactingUser)).toEqual(['frank', 'erin']);
    const second = await getPhotoWithReactions(db, 'carol', ts, { limit: 2, cursor: first.reactions.nextCursor });
    expect(second.photo).toBeUndefined();
    expect(second.reactions.items.map((r) => r.reactingUser)).toEqual(['alice']);
    expect(second.reactions.nextCursor).toBeUndefined();
  });

  it('removes a reaction with its counter, once', async () => {
    await removeReaction(db, { reactingUser: 'frank', owner: 'carol', timestamp: ts, type: 'smiley' });
    expect((await getPhoto(db, 'carol', ts)).reactions.smiley).toBe(0);
    await expect(removeReaction(db, { reactingUser: 'frank', owner: 'carol', timestamp: ts, type: 'smiley' })).rejects.toMatchObject({ code: 'REACTION_NOT_FOUND' });
    expect((await getPhoto(db, 'carol', ts)).reactions.smiley).toBe(0);
  });
});

describe('follows', () => {
  it('follows with both counters incremented in one transaction', async () => {
    await users('gina', 'hank');
    const friendship = await followUser(db, 'gina', 'hank');
    expect(friendship).toMatchObject({ followedUser: 'hank', followingUser: 'gina' });
    expect((await getUser(db, 'hank')).followers).toBe(1);
    expect((await getUser(db, 'gina')).following).toBe(1);
    expect(await rawItem(keys.friendship('hank', 'gina'))).toMatchObject({ followedUser: 'hank', followingUser: 'gina' });
  });

  it('rejects duplicate follows, self-follows and unknown users without changing anything', async () => {
    await expect(followUser(db, 'gina', 'hank')).rejects.toMatchObject({ code: 'ALREADY_FOLLOWING' });
    await expect(followUser(db, 'gina', 'gina')).rejects.toMatchObject({ code: 'SELF_FOLLOW' });
    await expect(followUser(db, 'gina', 'ghost')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    await expect(followUser(db, 'ghost', 'gina')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
    expect(await rawItem(keys.friendship('ghost', 'gina'))).toBeUndefined();
    expect(await rawItem(keys.friendship('gina', 'ghost'))).toBeUndefined();
    expect((await getUser(db, 'hank')).followers).toBe(1);
    expect((await getUser(db, 'gina'))).toMatchObject({ following: 1, followers: 0 });
  });

  it('lists followers (main table) and followed users (inverted index), with profiles', async () => {
    await followUser(db, 'alice', 'hank');
    await followUser(db, 'gina', 'alice');
    expect((await listFollowers(db, 'hank')).items.map((f) => f.followingUser).sort()).toEqual(['alice', 'gina']);
    expect((await listFollowed(db, 'gina')).items.map((f) => f.followedUser).sort()).toEqual(['alice', 'hank']);
    const enriched = await listFollowedWithProfiles(db, 'gina');
    expect(enriched.items.map((e) => e.user?.name).sort()).toEqual(['Name of alice', 'Name of hank']);
    expect(await listFollowers(db, 'erin')).toEqual({ items: [] });
    await expect(listFollowed(db, 'nobody')).rejects.toMatchObject({ code: 'USER_NOT_FOUND' });
  });

  // Both below: seconds alone; a full run on two shared cores has stretched them to 30-40 s.
  it('enriches more than 100 followed users across BatchGetItem chunks, page by page', { timeout: 120_000 }, async () => {
    await users('ivy');
    const names = Array.from({ length: 105 }, (_, i) => `fan${String(i).padStart(3, '0')}`);
    // Accounts are independent items: created ten at a time. Follows all update ivy's counter,
    // so they go one by one (concurrent ones would only contend and back off).
    for (let i = 0; i < names.length; i += 10) await Promise.all(names.slice(i, i + 10).map((name) => createUser(db, profile(name))));
    for (const name of names) await followUser(db, 'ivy', name);
    expect((await getUser(db, 'ivy')).following).toBe(105);
    const first = await listFollowedWithProfiles(db, 'ivy', { limit: 100 });
    const second = await listFollowedWithProfiles(db, 'ivy', { limit: 100, cursor: first.nextCursor });
    const all = [...first.items, ...second.items];
    expect(all).toHaveLength(105);
    expect(new Set(all.map((e) => e.user?.username))).toEqual(new Set(names));
    expect(second.nextCursor).toBeUndefined();
  });

  it('unfollows with both counters decremented, once', async () => {
    await unfollowUser(db, 'gina', 'hank');
    expect((await getUser(db, 'hank')).followers).toBe(1);
    expect((await getUser(db, 'gina')).following).toBe(1);
    await expect(unfollowUser(db, 'gina', 'hank')).rejects.toMatchObject({ code: 'NOT_FOLLOWING' });
    expect((await getUser(db, 'hank')).followers).toBe(1);
  });
});

describe('deleting a photo', () => {
  it('removes the photo and every reaction on it, across several transactions', { timeout: 120_000 }, async () => {
    const photo = await uploadPhoto(db, { username: 'ivy', location: 'big' });
    // 30 users x 4 types = 120 reactions: more than one 100-item transaction can hold.
    const fans = Array.from({ length: 30 }, (_, i) => `fan${String(i).padStart(3, '0')}`);
    // One at a time: every reaction updates the same photo's counters, so concurrent ones only
    // cancel each other and back off (test/concurrency.test.ts proves that race separately).
    for (const fan of fans) {
      for (const type of REACTION_TYPES) await reactToPhoto(db, { reactingUser: fan, owner: 'ivy', timestamp: photo.timestamp, type });
    }
    expect((await getPhoto(db, 'ivy', photo.timestamp)).reactions).toEqual({ '+1': 30, smiley: 30, sunglasses: 30, heart: 30 });
    await deletePhoto(db, 'ivy', photo.timestamp);
    await expect(getPhoto(db, 'ivy', photo.timestamp)).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    const left = await db.doc.send(
      new QueryCommand({ TableName: db.table, IndexName: 'InvertedIndex', KeyConditionExpression: 'SK = :sk', ExpressionAttributeValues: { ':sk': keys.photo('ivy', photo.timestamp).SK } }),
    );
    expect(left.Items).toEqual([]);
    await expect(deletePhoto(db, 'ivy', photo.timestamp)).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
  });
});
