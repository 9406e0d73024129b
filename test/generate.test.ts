/**
 * The seeded generator: deterministic, valid items only, counters that agree with the items,
 * and a generated dataset that loads completely.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateItems, type GeneratedItem } from '../src/admin/generate.js';
import { checkItem, loadItems } from '../src/admin/load.js';
import { seedSampleData } from '../src/admin/seed.js';
import { USERNAME_PATTERN, type Reactions } from '../src/schema/entities.js';
import { classifyKey, parsePhotoSk } from '../src/schema/keys.js';
import { countItems, createTestDb, type TestDb } from './support/db.js';

const DATA_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/;

describe('generateItems', () => {
  const items: GeneratedItem[] = [...generateItems({ users: 60, seed: 7 })];
  const of = (kind: string) => items.filter((i) => classifyKey(i).kind === kind) as unknown as Record<string, unknown>[];

  it('is deterministic for the same options and differs for another seed', () => {
    expect([...generateItems({ users: 60, seed: 7 })]).toEqual(items);
    expect([...generateItems({ users: 60, seed: 8 })]).not.toEqual(items);
  });

  it('produces only items the loader accepts, each key once', () => {
    expect(items.length).toBeGreaterThan(60 * 10);
    for (const item of items) expect(checkItem(item), JSON.stringify(item)).toBeUndefined();
    expect(new Set(items.map((i) => `${i.PK}|${i.SK}`)).size).toBe(items.length);
    expect(of('other')).toEqual([]);
  });

  it('gives every user a valid, unique username and photos a pinned image of their own', () => {
    const users = of('user');
    expect(users).toHaveLength(60);
    const names = users.map((u) => u.username as string);
    expect(new Set(names).size).toBe(60);
    for (const name of names) expect(name).toMatch(new RegExp(USERNAME_PATTERN));
    const photoSks = new Set(of('photo').map((p) => p.SK as string));
    for (const user of users) {
      const owned = [...photoSks].filter((sk) => parsePhotoSk(sk)?.username === user.username);
      if (owned.length === 0) expect(user.pinnedImage).toBeUndefined();
      else expect(owned).toContain(user.pinnedImage);
    }
  });

  it('keeps follower and following counters equal to the friendship items, without self-follows', () => {
    const friendships = of('friendship');
    expect(friendships.length).toBeGreaterThan(0);
    const followers = new Map<string, number>();
    const following = new Map<string, number>();
    for (const f of friendships) {
      expect(f.followedUser).not.toBe(f.followingUser);
      followers.set(f.followedUser as string, (followers.get(f.followedUser as string) ?? 0) + 1);
      following.set(f.followingUser as string, (following.get(f.followingUser as string) ?? 0) + 1);
      expect(f.timestamp).toMatch(DATA_TIMESTAMP);
    }
    for (const user of of('user')) {
      expect(user.followers).toBe(followers.get(user.username as string) ?? 0);
      expect(user.following).toBe(following.get(user.username as string) ?? 0);
    }
  });

  it("keeps each photo's reactions map equal to its reaction items, each pair at most once", () => {
    const counted = new Map<string, Reactions>();
    const pairs = new Set<string>();
    for (const r of of('reaction')) {
      const key = `${r.reactingUser as string}|${r.reactionType as string}|${r.photo as string}`;
      expect(pairs.has(key)).toBe(false);
      pairs.add(key);
      const c = counted.get(r.photo as string) ?? { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 };
      c[r.reactionType as keyof Reactions] += 1;
      counted.set(r.photo as string, c);
    }
    const photos = of('photo');
    const photoSks = new Set(photos.map((p) => p.SK));
    for (const photo of counted.keys()) expect(photoSks.has(photo)).toBe(true);
    for (const photo of photos) {
      expect(photo.timestamp).toMatch(DATA_TIMESTAMP);
      expect(Object.keys(photo.reactions as object).sort()).toEqual(['+1', 'heart', 'smiley', 'sunglasses']);
      expect(photo.reactions).toEqual(counted.get(photo.SK as string) ?? { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 });
    }
  });

  it('follows the requested sizes on average and handles tiny populations', () => {
    const sized = [...generateItems({ users: 200, photosPerUser: 4, reactionsPerPhoto: 0, followsPerUser: 2, seed: 1 })];
    const kinds = (kind: string) => sized.filter((i) => classifyKey(i).kind === kind).length;
    expect(kinds('reaction')).toBe(0);
    expect(kinds('photo') / 200).toBeGreaterThan(3);
    expect(kinds('photo') / 200).toBeLessThan(5);
    expect(kinds('friendship') / 200).toBeGreaterThan(1.5);
    expect(kinds('friendship') / 200).toBeLessThan(2.5);
    // One user can follow nobody; five users can follow at most four others each.
    expect([...generateItems({ users: 1 })].filter((i) => classifyKey(i).kind === 'friendship')).toEqual([]);
    const dense = [...generateItems({ users: 5, followsPerUser: 50, reactionsPerPhoto: 50 })];
    expect(dense.filter((i) => classifyKey(i).kind === 'friendship').length).toBeLessThanOrEqual(20);
    for (const item of dense) expect(checkItem(item)).toBeUndefined();
  });

  it('rejects sizes that are not counts', () => {
    expect(() => [...generateItems({ users: 0 })]).toThrow(/users must be an integer/);
    expect(() => [...generateItems({ users: 3, photosPerUser: 1.5 })]).toThrow(/photosPerUser/);
  });
});

describe('loading generated data', () => {
  let db: TestDb;
  beforeAll(async () => {
    db = await createTestDb({ index: false });
  });
  afterAll(async () => {
    await db.drop();
  });

  it('loads every generated item: the count equals a scan', async () => {
    const lines = [...generateItems({ users: 40, seed: 3 })].map((item) => JSON.stringify(item));
    const result = await loadItems(db.doc, db.table, lines);
    expect(result.badLines).toEqual([]);
    expect(result.written).toBe(lines.length);
    expect(await countItems(db)).toBe(lines.length);
  });

  it('seedSampleData loads the default sample into a table', async () => {
    const other = await createTestDb({ index: false });
    try {
      const result = await seedSampleData(other.doc, other.table, { users: 10 });
      expect(result.written).toBe([...generateItems({ users: 10, seed: 42 })].length);
      expect(await countItems(other)).toBe(result.written);
    } finally {
      await other.drop();
    }
  });
});
