/**
 * The lab, end to end, on its original data: create the table, bulk load, query, add the
 * index, the index queries, then the two writes. Expected results are the reference's.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTable, addInvertedIndex, describeTable } from '../src/admin/table.js';
import { fileLines, loadItems } from '../src/admin/load.js';
import { keys } from '../src/schema/keys.js';
import {
  followUser,
  getPhotoWithReactions,
  getUserAndPhotos,
  listFollowed,
  listFollowedWithProfiles,
  listFollowers,
  listRecentPhotos,
  reactToPhoto,
} from '../src/patterns/index.js';
import { countItems, REFERENCE_ITEMS, testClients, uniqueTableName, type TestDb } from './support/db.js';
import { createCursorCodec } from '../src/patterns/cursor.js';
import { deleteTable } from '../src/admin/table.js';

let db: TestDb;

beforeAll(() => {
  const clients = testClients();
  const table = uniqueTableName('lab');
  db = {
    ...clients,
    // The lab's own outputs, through the SDK's DocumentClient (the reference).
    doc: clients.doc,
    sdk: clients.doc,
    table,
    cursors: createCursorCodec('lab-test-cursor-secret-0123'),
    drop: async () => {
      await deleteTable(clients.client, table);
    },
  };
});

afterAll(async () => {
  await db.drop();
});

describe('the lab on its reference data', () => {
  it('creates the table and bulk-loads all 967 items', async () => {
    expect(await createTable(db.client, db.table)).toBe(true);
    const result = await loadItems(db.doc, db.table, fileLines(REFERENCE_ITEMS));
    expect(result.badLines).toEqual([]);
    expect(result.written).toBe(967);
    expect(await countItems(db)).toBe(967);
  });

  it('fetches jacksonjason and 15 photos, oldest first, in one query', async () => {
    const { user, photos } = await getUserAndPhotos(db, 'jacksonjason', { limit: 100 });
    expect(user?.name).toBe('John Perry');
    expect(photos.items.map((p) => p.timestamp)).toEqual([
      '2018-05-30T15:42:38', '2018-06-09T13:49:13', '2018-06-26T03:59:33', '2018-07-14T10:21:01', '2018-10-06T22:29:39',
      '2018-11-13T08:23:00', '2018-11-18T15:37:05', '2018-11-26T22:27:44', '2019-01-02T05:09:04', '2019-01-23T12:43:33',
      '2019-03-03T02:00:01', '2019-03-03T18:20:10', '2019-03-11T15:18:22', '2019-03-30T02:28:42', '2019-04-14T21:52:36',
    ]);
    const recent = await listRecentPhotos(db, 'jacksonjason', { limit: 100 });
    expect(recent.items.map((p) => p.timestamp)).toEqual(photos.items.map((p) => p.timestamp).reverse());
  });

  it('adds the inverted index and waits until it is active', async () => {
    expect(await addInvertedIndex(db.client, db.table)).toBe(true);
    expect((await describeTable(db.client, db.table)).index).toBe('active');
    expect(await addInvertedIndex(db.client, db.table)).toBe(false);
  });

  it("shows david25's photo with its 5 reactions", async () => {
    const { photo, reactions } = await getPhotoWithReactions(db, 'david25', '2019-03-02T09:11:30', { limit: 100 });
    expect(photo?.location).toBe('s3://quick-photos/photos/david25/2019-03-02T09:11:30.png');
    expect(reactions.items.map((r) => `${r.reactingUser} ${r.reactionType}`)).toEqual([
      'ylee smiley', 'kennedyheather smiley', 'jenniferharris +1', 'geoffrey32 +1', 'chasevang +1',
    ]);
  });

  it('lists the 10 users haroldwatkins follows, and enriches them with profiles', async () => {
    const followed = await listFollowed(db, 'haroldwatkins', { limit: 100 });
    expect(followed.items.map((f) => f.followedUser).sort()).toEqual([
      'chasevang', 'david25', 'frankhall', 'geoffrey32', 'jacksonjason', 'natasha87', 'nmitchell', 'ppierce', 'tmartinez', 'vpadilla',
    ]);
    const enriched = await listFollowedWithProfiles(db, 'haroldwatkins', { limit: 100 });
    const names = new Map(enriched.items.map((e) => [e.friendship.followedUser, e.user?.name]));
    expect(names.size).toBe(10);
    expect(names.get('chasevang')).toBe('Leah Miller');
    expect(names.get('jacksonjason')).toBe('John Perry');
    expect(names.get('tmartinez')).toBe('Kristin Stevens');
    expect([...names.values()].every((n) => typeof n === 'string')).toBe(true);
  });

  it('lists the 12 followers of haroldwatkins', async () => {
    const followers = await listFollowers(db, 'haroldwatkins', { limit: 100 });
    expect(followers.items.map((f) => f.followingUser).sort()).toEqual([
      'chasevang', 'david25', 'david83', 'frankhall', 'jenniferharris', 'jraymond', 'justin17', 'monica63', 'parkjennifer', 'ppierce',
      'tmartinez', 'vpadilla',
    ]);
  });

  it('kennedyheather reacts sunglasses once; the second time changes nothing', async () => {
    const photoKey = keys.photo('ppierce', '2019-04-14T08:09:34');
    const before = (await db.doc.send(new GetCommand({ TableName: db.table, Key: photoKey }))).Item as { reactions: Record<string, number> };
    const target = { reactingUser: 'kennedyheather', owner: 'ppierce', timestamp: '2019-04-14T08:09:34', type: 'sunglasses' };
    await reactToPhoto(db, target);
    const after = (await db.doc.send(new GetCommand({ TableName: db.table, Key: photoKey }))).Item as { reactions: Record<string, number> };
    expect(after.reactions.sunglasses).toBe((before.reactions.sunglasses ?? 0) + 1);
    await expect(reactToPhoto(db, target)).rejects.toMatchObject({ code: 'REACTION_EXISTS' });
    const again = (await db.doc.send(new GetCommand({ TableName: db.table, Key: photoKey }))).Item;
    expect(again).toEqual(after);
  });

  it('john42 follows tmartinez once; the second time changes nothing', async () => {
    await followUser(db, 'john42', 'tmartinez');
    const get = async (u: string) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(u) }))).Item as Record<string, number>;
    expect((await get('tmartinez')).followers).toBe(10);
    expect((await get('john42')).following).toBe(10);
    await expect(followUser(db, 'john42', 'tmartinez')).rejects.toMatchObject({ code: 'ALREADY_FOLLOWING' });
    expect((await get('tmartinez')).followers).toBe(10);
    expect((await get('john42')).following).toBe(10);
    expect(await countItems(db)).toBe(969);
  });
});
