/**
 * Comments on DynamoDB Local: posting, replies, likes, deleting with cascades, comments off,
 * blocks and private accounts, photo deletion, and counts that stay exact under 100
 * concurrent writers on one photo.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../src/errors.js';
import {
  blockUser,
  commentCountKeys,
  commentSummary,
  createUser,
  deleteComment,
  deletePhoto,
  followUser,
  getComment,
  likeComment,
  listComments,
  listReplies,
  postComment,
  setCommentsOff,
  setPrivate,
  unblockUser,
  unlikeComment,
  uploadPhoto,
  batchGet,
} from '../src/patterns/index.js';
import type { Comment } from '../src/schema/entities/index.js';
import { commentRanges } from '../src/schema/keys.js';
import { createTestDb, type TestDb } from './support/db.js';

let db: TestDb;
let photo: { username: string; timestamp: string };

const USERS = ['owner', 'ann', 'bob', 'shy', 'rude', ...Array.from({ length: 10 }, (_, i) => `w${i}`)];

beforeAll(async () => {
  db = await createTestDb();
  for (const username of USERS) await createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });
  photo = await uploadPhoto(db, { username: 'owner', location: 'file:///p.png' });
});
afterAll(async () => {
  await db.drop();
});

const on = (p: { username: string; timestamp: string }) => ({ photoOwner: p.username, photoTimestamp: p.timestamp });
const post = (author: string, text: string, p = photo, replyTo?: Comment) =>
  postComment(db, { author, ...on(p), text, ...(replyTo ? { replyTo: { timestamp: replyTo.timestamp, author: replyTo.author } } : {}) });
const code = async (promise: Promise<unknown>) => promise.then(() => 'ok', (e: unknown) => (isDomainError(e) ? e.code : String(e)));

async function count(p = photo) {
  return commentSummary(await batchGet(db, 'test', commentCountKeys(p)), p);
}

/** Every comment and reply stored in the photo's conversation, by a Query (the truth the counters must equal). */
async function stored(p = photo): Promise<Comment[]> {
  const range = commentRanges.conversation(p.username, p.timestamp);
  const result = await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': range.pk }, ConsistentRead: true }));
  return (result.Items ?? []).filter((i) => String(i.SK).startsWith('C#') || String(i.SK).startsWith('R#')) as Comment[];
}

describe('comments', () => {
  it('post, reply, list oldest or newest first, and count comments, replies and likes', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///q.png' });
    const first = await post('ann', 'first!', p);
    await post('bob', 'second\nline', p);
    const reply = await post('owner', 'thanks', p, first);
    expect((await count(p)).commentCount).toBe(3);
    expect((await count(p)).previews.map((x) => x.text)).toEqual(['second\nline', 'first!']);

    const oldest = await listComments(db, 'ann', 'owner', p.timestamp);
    expect(oldest.items.map((c) => c.comment.text)).toEqual(['first!', 'second\nline']);
    expect(oldest.items[0]!.comment.replyCount).toBe(1);
    const newest = await listComments(db, 'ann', 'owner', p.timestamp, {}, 'newest');
    expect(newest.items.map((c) => c.comment.text)).toEqual(['second\nline', 'first!']);
    const replies = await listReplies(db, 'bob', first);
    expect(replies.items.map((c) => c.comment.text)).toEqual(['thanks']);

    // Pages of one, with a cursor, cover every comment once.
    const one = await listComments(db, 'ann', 'owner', p.timestamp, { limit: 1 });
    const two = await listComments(db, 'ann', 'owner', p.timestamp, { limit: 1, cursor: one.nextCursor });
    expect([...one.items, ...two.items].map((c) => c.comment.author)).toEqual(['ann', 'bob']);
    expect(two.nextCursor).toBeUndefined();

    // Replies have one level.
    await expect(code(post('bob', 'deeper', p, { ...reply }))).resolves.toBe('COMMENT_NOT_FOUND');

    await likeComment(db, 'bob', first);
    await expect(code(likeComment(db, 'bob', first))).resolves.toBe('COMMENT_LIKE_EXISTS');
    await likeComment(db, 'owner', first);
    expect((await getComment(db, first)).likeCount).toBe(2);
    expect((await listComments(db, 'bob', 'owner', p.timestamp)).items[0]!.likedByMe).toBe(true);
    await unlikeComment(db, 'bob', first);
    await expect(code(unlikeComment(db, 'bob', first))).resolves.toBe('COMMENT_LIKE_NOT_FOUND');
    expect((await getComment(db, first)).likeCount).toBe(1);
  });

  it('refuses empty, too long and control-character text with VALIDATION_FAILED', async () => {
    for (const text of ['', '   ', 'x'.repeat(2201), 'a\u0000b', 'a\u202eb']) await expect(code(post('ann', text))).resolves.toBe('VALIDATION_FAILED');
    await expect(code(post('ann', 'x'.repeat(2200)))).resolves.toBe('ok');
  });

  it('delete: the author or the photo owner; a comment takes its replies and likes along, every count exact', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///r.png' });
    const top = await post('ann', 'top', p);
    const r1 = await post('bob', 'r1', p, top);
    await post('owner', 'r2', p, top);
    await likeComment(db, 'bob', top);
    await likeComment(db, 'ann', r1);
    await expect(code(deleteComment(db, top, { user: 'bob' }))).resolves.toBe('FORBIDDEN');
    // The reply's author deletes it: the parent's replyCount follows.
    await deleteComment(db, r1, { user: 'bob' });
    expect((await getComment(db, top)).replyCount).toBe(1);
    expect((await count(p)).commentCount).toBe(2);
    // The photo's owner deletes ann's comment: its reply goes too, and its likes.
    await deleteComment(db, top, { user: 'owner' });
    expect((await count(p)).commentCount).toBe(0);
    expect((await count(p)).previews).toEqual([]);
    expect(await stored(p)).toEqual([]);
    await expect(code(deleteComment(db, top, { user: 'owner' }))).resolves.toBe('COMMENT_NOT_FOUND');
    const likes = await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': commentRanges.likesBy('bob').pk } }));
    expect(likes.Items ?? []).toEqual([]);
  });

  it('comments off: COMMENTS_OFF until the owner turns them on again', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///s.png' });
    await setCommentsOff(db, 'owner', p.timestamp, true);
    await expect(code(post('ann', 'hello', p))).resolves.toBe('COMMENTS_OFF');
    await setCommentsOff(db, 'owner', p.timestamp, false);
    await expect(code(post('ann', 'hello', p))).resolves.toBe('ok');
    await expect(code(post('ann', 'hello', { username: 'owner', timestamp: '2001-01-01T00:00:00' }))).resolves.toBe('PHOTO_NOT_FOUND');
  });

  it('blocks: neither side comments on the other, and their comments are hidden from each other', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///t.png' });
    const rude = await post('rude', 'hi from rude', p);
    await post('ann', 'hi from ann', p);
    await blockUser(db, 'owner', 'rude');
    await expect(code(post('rude', 'again', p))).resolves.toBe('COMMENT_NOT_ALLOWED');
    await expect(code(post('owner', 'reply', p, rude))).resolves.toBe('COMMENT_NOT_ALLOWED');
    await expect(code(likeComment(db, 'rude', (await listComments(db, 'ann', 'owner', p.timestamp)).items[1]!.comment))).resolves.toBe('COMMENT_NOT_ALLOWED');
    expect((await listComments(db, 'owner', 'owner', p.timestamp)).items.map((c) => c.comment.author)).toEqual(['ann']);
    expect((await listComments(db, 'ann', 'owner', p.timestamp)).items.map((c) => c.comment.author)).toEqual(['rude', 'ann']);
    // bob, blocked by ann, sees none of ann's comments.
    await blockUser(db, 'ann', 'bob');
    expect((await listComments(db, 'bob', 'owner', p.timestamp)).items.map((c) => c.comment.author)).toEqual(['rude']);
    await unblockUser(db, 'ann', 'bob');
    await unblockUser(db, 'owner', 'rude');
  });

  it("private accounts: commenting needs a follow; a private author's comments show only to their followers", async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///u.png' });
    await setPrivate(db, 'shy', true);
    const shyPhoto = await uploadPhoto(db, { username: 'shy', location: 'file:///v.png' });
    await expect(code(post('ann', 'let me in', shyPhoto))).resolves.toBe('PRIVATE_ACCOUNT');
    await post('shy', 'shy says hi', p);
    expect((await listComments(db, 'ann', 'owner', p.timestamp)).items).toEqual([]);
    // ann becomes a follower (while shy is public, which needs no request), then shy goes private again.
    await setPrivate(db, 'shy', false);
    await followUser(db, 'ann', 'shy');
    await setPrivate(db, 'shy', true);
    expect((await listComments(db, 'ann', 'owner', p.timestamp)).items.map((c) => c.comment.author)).toEqual(['shy']);
    await expect(code(post('ann', 'in now', shyPhoto))).resolves.toBe('ok');
    await setPrivate(db, 'shy', false);
  });

  it('a deleted photo takes its conversation along', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///w.png' });
    const c = await post('ann', 'soon gone', p);
    await post('bob', 'me too', p, c);
    await likeComment(db, 'bob', c);
    await deletePhoto(db, 'owner', p.timestamp);
    const left = await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': commentRanges.conversation('owner', p.timestamp).pk } }));
    expect(left.Items ?? []).toEqual([]);
    const refs = await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': commentRanges.byAuthor('ann').pk } }));
    expect((refs.Items ?? []).filter((r) => r.photoTimestamp === p.timestamp)).toEqual([]);
  });
});

describe('100 concurrent writers on one photo', () => {
  it('keep the comment count, every reply count and every like count exact', async () => {
    const p = await uploadPhoto(db, { username: 'owner', location: 'file:///hot.png' });
    const writers = Array.from({ length: 10 }, (_, i) => `w${i}`);
    const roots = await Promise.all(writers.slice(0, 4).map((w) => post(w, `root by ${w}`, p)));
    // 100 writers: each posts a comment or a reply, likes a root, and half delete what they posted.
    await Promise.all(
      Array.from({ length: 100 }, async (_, i) => {
        const author = writers[i % writers.length]!;
        const parent = i % 3 === 0 ? roots[i % roots.length] : undefined;
        const mine = await post(author, `n${i}`, p, parent);
        if (i % 4 === 0) await likeComment(db, author, roots[(i + 1) % roots.length]!).catch((e: unknown) => {
          if (!(isDomainError(e) && e.code === 'COMMENT_LIKE_EXISTS')) throw e;
        });
        if (i % 2 === 0) await deleteComment(db, mine, { user: author });
      }),
    );
    const items = await stored(p);
    expect((await count(p)).commentCount).toBe(items.length);
    expect(items.length).toBe(4 + 50);
    for (const root of roots) {
      const now = await getComment(db, root);
      expect(now.replyCount).toBe(items.filter((c) => c.parentTimestamp === root.timestamp && c.parentAuthor === root.author).length);
      const likes = await db.doc.send(new QueryCommand({
        TableName: db.table, IndexName: 'InvertedIndex', KeyConditionExpression: 'SK = :sk',
        ExpressionAttributeValues: { ':sk': commentRanges.likesOf(root.photoOwner, root.photoTimestamp, root.timestamp, root.author).sk },
      }));
      expect(now.likeCount).toBe((likes.Items ?? []).length);
    }
    // Deleting the roots (their replies go too) brings every count to zero.
    await Promise.all(roots.map((r) => deleteComment(db, r, { user: 'owner' })));
    await Promise.all((await stored(p)).map((c) => deleteComment(db, c, { user: c.author }).catch(() => undefined)));
    expect(await stored(p)).toEqual([]);
    expect((await count(p)).commentCount).toBe(0);
  });
});
