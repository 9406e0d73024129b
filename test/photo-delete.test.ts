/**
 * Deleting a photo never depends on its counters being exact: drifted counters (too high, too
 * low, across several chunks) no longer block the owner's delete, a takedown or the account
 * deletion job, and no reaction of the photo is left behind. Against the real engine.
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser, deletePhoto, finishDeletion, getPhoto, reactToPhoto, startAccountDeletion, takeDownPhoto, uploadPhoto } from '../src/patterns/index.js';
import { keys, ranges } from '../src/schema/keys.js';
import { REACTION_TYPES } from '../src/schema/entities.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;
const profile = (username: string) => ({ username, name: `Name of ${username}`, email: `${username}@example.com`, birthdate: '1990-01-31' });

beforeAll(async () => {
  db = await createTestDb();
  for (const name of ['olga', 'rita', 'sam', 'tess']) await createUser(db, profile(name));
});
afterAll(async () => {
  await db.drop();
});

/** A photo of `owner` with a heart from each reacting user, then its counters overwritten. */
async function driftedPhoto(owner: string, reacting: string[], counters: Record<string, number>): Promise<string> {
  const { timestamp } = await uploadPhoto(db, { username: owner, location: 'file:///nowhere.jpg' });
  for (const user of reacting) await reactToPhoto(db, { reactingUser: user, owner, timestamp, type: 'heart' });
  const set = Object.keys(counters).map((_, i) => `reactions.#t${i} = :v${i}`);
  await db.doc.send(
    new UpdateCommand({
      TableName: db.table,
      Key: keys.photo(owner, timestamp),
      UpdateExpression: `SET ${set.join(', ')}`,
      ExpressionAttributeNames: Object.fromEntries(Object.keys(counters).map((t, i) => [`#t${i}`, t])),
      ExpressionAttributeValues: Object.fromEntries(Object.values(counters).map((v, i) => [`:v${i}`, v])),
    }),
  );
  return timestamp;
}

/** Every item the index shows for the photo: the photo itself and its reactions. */
async function leftOf(owner: string, timestamp: string): Promise<number> {
  const range = ranges.photoAndReactions(owner, timestamp);
  const result = await db.doc.send(
    new QueryCommand({
      TableName: db.table,
      IndexName: 'InvertedIndex',
      KeyConditionExpression: 'SK = :sk AND PK BETWEEN :from AND :to',
      ExpressionAttributeValues: { ':sk': range.sk, ':from': range.from, ':to': range.to },
    }),
  );
  return result.Items?.length ?? 0;
}

describe('deleting a photo whose counters drifted', () => {
  it('counters higher than the reactions: the owner deletes it, reactions and all', async () => {
    const timestamp = await driftedPhoto('olga', ['rita'], { heart: 7, smiley: 2 });
    await deletePhoto(db, 'olga', timestamp);
    await expect(getPhoto(db, 'olga', timestamp)).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    expect(await leftOf('olga', timestamp)).toBe(0);
  });

  it('counters lower than the reactions: a takedown goes through, reactions and all', async () => {
    const timestamp = await driftedPhoto('olga', ['rita', 'sam', 'tess'], { heart: 0 });
    const { photo } = await takeDownPhoto(db, 'olga', timestamp, 'spam');
    expect(photo.timestamp).toBe(timestamp);
    await expect(getPhoto(db, 'olga', timestamp)).rejects.toMatchObject({ code: 'PHOTO_NOT_FOUND' });
    expect(await leftOf('olga', timestamp)).toBe(0);
  });

  it('the account deletion job finishes over a drifted photo', async () => {
    const timestamp = await driftedPhoto('tess', ['rita'], { heart: 3 });
    await startAccountDeletion(db, 'tess');
    expect(await finishDeletion(db, 'tess', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    expect(await leftOf('tess', timestamp)).toBe(0);
  });

  it('exact counters still delete in one pass, and a photo with no reactions but a drifted counter goes too', async () => {
    const exact = await driftedPhoto('olga', ['rita', 'sam'], { heart: 2 });
    await deletePhoto(db, 'olga', exact);
    expect(await leftOf('olga', exact)).toBe(0);
    const empty = await driftedPhoto('olga', [], { '+1': 1 });
    await deletePhoto(db, 'olga', empty);
    expect(await leftOf('olga', empty)).toBe(0);
  });

  it('across several chunks, with reactions racing in meanwhile, leaves neither photo nor reaction behind', { timeout: 120_000 }, async () => {
    const fans = Array.from({ length: 30 }, (_, i) => `fan${String(i).padStart(2, '0')}`);
    for (const fan of fans) await createUser(db, profile(fan));
    const { timestamp } = await uploadPhoto(db, { username: 'olga', location: 'file:///big.jpg' });
    // 25 users x 4 types = 100 reactions: more than one transaction holds.
    for (const fan of fans.slice(0, 25)) {
      await Promise.all(REACTION_TYPES.map((type) => reactToPhoto(db, { reactingUser: fan, owner: 'olga', timestamp, type })));
    }
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo('olga', timestamp), UpdateExpression: 'SET reactions.heart = :n', ExpressionAttributeValues: { ':n': 3 } }));
    const late = fans.slice(25).map((fan) => reactToPhoto(db, { reactingUser: fan, owner: 'olga', timestamp, type: 'heart' }).then(() => 'reacted', (e: { code?: string }) => e.code));
    await deletePhoto(db, 'olga', timestamp);
    // A reaction either landed before the photo went (and went with it) or found no photo.
    expect(new Set(await Promise.all(late))).toSatisfy((codes: Set<string | undefined>) => [...codes].every((c) => c === 'reacted' || c === 'PHOTO_NOT_FOUND'));
    expect(await leftOf('olga', timestamp)).toBe(0);
  });
});
