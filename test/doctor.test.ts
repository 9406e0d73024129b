/** The consistency audit: clean on the lab's data, and finds and repairs deliberate corruption. */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable, describeProblem } from '../src/admin/doctor.js';
import { fileLines, loadItems } from '../src/admin/load.js';
import { keys } from '../src/schema/keys.js';
import { getPhoto, getUser } from '../src/patterns/index.js';
import { createTestDb, REFERENCE_ITEMS, type TestDb } from './support/db.js';

let db: TestDb;
// Writes straight to the table, bypassing the access patterns: this is how corruption happens.
const send = (command: UpdateCommand | PutCommand | DeleteCommand) => db.doc.send(command as UpdateCommand);

beforeAll(async () => {
  db = await createTestDb();
  await loadItems(db.doc, db.table, fileLines(REFERENCE_ITEMS));
});
afterAll(async () => {
  await db.drop();
});

describe('quick-photos doctor', () => {
  it("finds nothing wrong with the lab's data, self-follows included", async () => {
    const report = await auditTable(db.doc, db.table);
    expect(report).toMatchObject({ scanned: 967, users: 20, photos: 200, reactions: 584, friendships: 163 });
    expect(report.problems).toEqual([]);
  });

  it('reports every counter and orphan corrupted on purpose, repairs them, and is clean afterwards', async () => {
    const tmartinez = await getUser(db, 'tmartinez');
    await send(new UpdateCommand({ TableName: db.table, Key: keys.user('tmartinez'), UpdateExpression: 'SET followers = :n', ExpressionAttributeValues: { ':n': 99 } }));
    const photo = await getPhoto(db, 'david25', '2019-03-02T09:11:30');
    await send(new UpdateCommand({ TableName: db.table, Key: keys.photo('david25', '2019-03-02T09:11:30'), UpdateExpression: 'SET reactions.smiley = :n', ExpressionAttributeValues: { ':n': 0 } }));
    // A reaction to a photo that does not exist, and a follow of a user that does not exist.
    await send(new PutCommand({
      TableName: db.table,
      Item: { ...keys.reaction('ylee', 'heart', 'ghost', '2019-01-01T00:00:00'), reactingUser: 'ylee', reactionType: 'heart', photo: 'PHOTO#ghost#2019-01-01T00:00:00', timestamp: '2019-01-02T00:00:00' },
    }));
    await send(new PutCommand({
      TableName: db.table,
      Item: { ...keys.friendship('ghost', 'ylee'), followedUser: 'ghost', followingUser: 'ylee', timestamp: '2019-01-02T00:00:00' },
    }));

    const report = await auditTable(db.doc, db.table);
    const lines = report.problems.map(describeProblem).sort();
    expect(lines).toEqual([
      'Photo<david25 -- 2019-03-02T09:11:30> reactions.smiley is 0, its items say 2',
      'User<tmartinez> followers is 99, its items say 9',
      'orphan friendship USER#ghost / #FRIEND#ylee: followed user ghost does not exist',
      'orphan reaction REACTION#ylee#heart / PHOTO#ghost#2019-01-01T00:00:00: photo PHOTO#ghost#2019-01-01T00:00:00 does not exist',
    ]);

    const fixed = await auditTable(db.doc, db.table, { fix: true });
    expect(fixed.fixed).toBe(4);
    expect(fixed.remaining).toEqual([]);
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
    expect((await getUser(db, 'tmartinez')).followers).toBe(tmartinez.followers);
    expect((await getPhoto(db, 'david25', '2019-03-02T09:11:30')).reactions).toEqual(photo.reactions);
  });

  it('recounts the counters a deleted user leaves wrong', async () => {
    // Deleting a user by hand orphans its follows; after the fix the other side's counters match.
    await send(new DeleteCommand({ TableName: db.table, Key: keys.user('ylee') }));
    const report = await auditTable(db.doc, db.table, { fix: true });
    expect(report.problems.some((p) => p.type === 'orphan-friendship')).toBe(true);
    expect(report.remaining).toEqual([]);
    expect((await auditTable(db.doc, db.table)).problems).toEqual([]);
  });
});
