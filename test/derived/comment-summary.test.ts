/**
 * The comment summary list pages read from the Photo item (src/derived/views/comment-summary.ts),
 * fed by the worker on DynamoDB Local: it follows posts, deletes and an author's account
 * deletion; it never brings a deleted photo back; a replay of the stream writes nothing; the
 * Photo MODIFY it causes moves no derived item; doctor finds and repairs a wrong summary.
 */
import { GetCommand, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditComments } from '../../src/admin/comment-doctor.js';
import { loadConfig } from '../../src/config/index.js';
import { toChange } from '../../src/derived/records.js';
import { derivedDb } from '../../src/derived/store/index.js';
import { commentSummaryView } from '../../src/derived/views/comment-summary.js';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import {
  createUser,
  currentSummary,
  deleteComment,
  deletePhoto,
  finishDeletion,
  followUser,
  getFeed,
  getTagPhotos,
  listComments,
  listPhotosForViewer,
  postComment,
  startAccountDeletion,
  uploadPhoto,
  updateCaption,
  writeCommentSummary,
} from '../../src/patterns/index.js';
import type { Comment } from '../../src/schema/entities/index.js';
import { keys, parseKey } from '../../src/schema/keys.js';
import { createTestDb, type TestDb } from '../support/db.js';
import { intercept, replayStream, streamRecords } from './support.js';

const settings = { ...loadConfig({}).derived, pollMs: 50 };
let db: TestDb;
let worker: Worker;
let photo: { username: string; timestamp: string };

const photoItem = async (p = photo) => (await db.doc.send(new GetCommand({ TableName: db.table, Key: keys.photo(p.username, p.timestamp), ConsistentRead: true }))).Item;
const post = (author: string, text: string, p = photo, replyTo?: Comment) =>
  postComment(db, { author, photoOwner: p.username, photoTimestamp: p.timestamp, text, ...(replyTo ? { replyTo: { timestamp: replyTo.timestamp, author: replyTo.author } } : {}) });

/** Every derived item but the worker's own bookkeeping (checkpoints, leases, heartbeat move with it). */
async function derivedItems(): Promise<string[]> {
  const derived = derivedDb(db);
  const found: string[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await derived.doc.send(new ScanCommand({ TableName: derived.table, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) if (!/^(CHECKPOINT|LEASE|HEARTBEAT|WORKER|SHARD)/.test(String(item.PK))) found.push(JSON.stringify(item, Object.keys(item).sort()));
    start = page.LastEvaluatedKey;
  } while (start);
  return found.sort();
}

beforeAll(async () => {
  db = await createTestDb();
  for (const username of ['owner', 'ann', 'bob']) await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  await followUser(db, 'ann', 'owner');
  photo = await uploadPhoto(db, { username: 'owner', location: 'file:///p.png' });
  await updateCaption(db, 'owner', photo.timestamp, 'evening #sunset');
  worker = createWorker({ client: db.client, db, settings });
});

afterAll(async () => {
  await worker.stop();
  await db.drop();
});

describe('the comment-summary view', () => {
  it('writes the count and the two newest comments on the photo, which the feed, the profile and the tag page show', async () => {
    const one = await post('ann', 'one');
    await post('bob', 'two');
    await post('ann', 'three');
    await post('owner', 'thanks', photo, one);
    await worker.drain();
    const item = await photoItem();
    expect(item?.commentCount).toBe(4);
    expect((item?.commentPreviews as { text: string }[]).map((p) => p.text)).toEqual(['three', 'two']);

    const expected = { commentCount: 4, previews: [expect.objectContaining({ author: 'ann', text: 'three' }), expect.objectContaining({ author: 'bob', text: 'two' })] };
    expect((await getFeed(db, 'ann')).items[0]?.comments).toEqual(expected);
    expect((await listPhotosForViewer(db, 'ann', 'owner')).items[0]?.comments).toEqual(expected);
    expect((await getTagPhotos(db, 'ann', 'sunset')).items[0]?.comments).toEqual(expected);
  });

  it('follows a delete and an author gone with their account', async () => {
    // The shards keep each one's two newest: after a delete the previews are what they still hold.
    const truth = async () => {
      const now = await currentSummary(db, photo);
      return { commentCount: now.commentCount, commentPreviews: now.previews.map((p) => ({ timestamp: p.timestamp, author: p.author, text: p.text })) };
    };
    const [three] = (await postsBy('ann')).filter((c) => c.text === 'three');
    await deleteComment(db, three!, { user: 'ann' });
    await worker.drain();
    expect(await photoItem()).toMatchObject(await truth());
    expect((await photoItem())?.commentCount).toBe(3);
    expect(JSON.stringify((await photoItem())?.commentPreviews)).not.toContain('three');

    await startAccountDeletion(db, 'bob');
    expect(await finishDeletion(db, 'bob', { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() })).toBe('done');
    await worker.drain();
    expect(await photoItem()).toMatchObject(await truth());
    expect((await photoItem())?.commentCount).toBe(2);
    expect(JSON.stringify((await photoItem())?.commentPreviews)).not.toContain('bob');
  });

  it('a replay of the whole stream writes nothing; the Photo MODIFY records it caused move no derived item', async () => {
    const before = await photoItem();
    const derivedBefore = await derivedItems();
    const views = buildViews(db, settings, { events: false });
    // Only the records of the view's own writes: Photo MODIFYs that changed the summary and nothing else.
    const own = [...(await streamRecords(db.client, db.table)).values()].flat().flatMap((record) => {
      const change = toChange(record);
      if (!change || change.event !== 'MODIFY' || parseKey(change.key)?.kind !== 'photo') return [];
      const { commentCount: _a, commentPreviews: _b, ...was } = change.oldImage ?? {};
      const { commentCount: _c, commentPreviews: _d, ...is } = change.newImage ?? {};
      return JSON.stringify(was) === JSON.stringify(is) ? [change] : [];
    });
    expect(own.length).toBeGreaterThanOrEqual(3);
    for (const change of own) for (const view of views) await view.apply(change);
    expect(await derivedItems()).toEqual(derivedBefore);

    const view = commentSummaryView({ db, derived: derivedDb(db), settings });
    expect(await replayStream(db, [view])).toBeGreaterThan(0);
    expect(await photoItem()).toEqual(before);
  });

  it('doctor finds a summary that differs from the shards and repairs it', async () => {
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo(photo.username, photo.timestamp), UpdateExpression: 'SET commentCount = :n', ExpressionAttributeValues: { ':n': 40 } }));
    const report = await auditComments(db.doc, db.table);
    expect(report.problems).toEqual([{ type: 'comment-summary', owner: 'owner', timestamp: photo.timestamp, stored: 40, actual: 2 }]);
    const fixed = await auditComments(db.doc, db.table, { fix: true });
    expect(fixed.remaining).toEqual([]);
    expect((await photoItem())?.commentCount).toBe(2);
  });

  it("retries a write a comment post's transaction refused (a hot photo's), reading the shards again", async () => {
    const hot = await uploadPhoto(db, { username: 'owner', location: 'file:///hot.png' });
    await post('ann', 'first', hot);
    await worker.drain();
    // A summary behind its shards (the view acts on shard records only: the worker leaves this be).
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.photo(hot.username, hot.timestamp), UpdateExpression: 'SET commentCount = :n', ExpressionAttributeValues: { ':n': 0 } }));
    let refused = 0;
    const conflicted = intercept(db.doc, 'UpdateCommand', () => {
      if (refused >= 2) return;
      refused++;
      // What DynamoDB answers a plain write to an item a transaction in flight holds.
      throw Object.assign(new Error('Transaction is ongoing for the item'), { name: 'TransactionConflictException' });
    });
    expect(await writeCommentSummary({ ...db, doc: conflicted }, hot)).toBe(true);
    expect(refused).toBe(2);
    expect((await photoItem(hot))?.commentCount).toBe(1);
  });

  it('never brings a deleted photo back', async () => {
    const other = await uploadPhoto(db, { username: 'owner', location: 'file:///q.png' });
    await post('ann', 'soon gone', other);
    await worker.drain();
    expect((await photoItem(other))?.commentCount).toBe(1);
    await deletePhoto(db, 'owner', other.timestamp);
    await worker.drain();
    expect(await photoItem(other)).toBeUndefined();
    await replayStream(db, [commentSummaryView({ db, derived: derivedDb(db), settings })]);
    expect(await photoItem(other)).toBeUndefined();
  });
});

/** ann's and bob's comments on the photo, read back from the conversation. */
async function postsBy(author: string): Promise<Comment[]> {
  const page = await listComments(db, 'owner', photo.username, photo.timestamp, { limit: 100 });
  return page.items.map((i) => i.comment).filter((c) => c.author === author);
}
