/**
 * Comments and the rules around them, on DynamoDB Local: account deletion removes the
 * account's comments, replies and likes with every count exact (and a re-registered name
 * inherits none); a moderator's takedown leaves the author a notice; reports target a comment;
 * a suspended or departing account cannot comment; the CLI lists and takes down comments.
 */
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../src/errors.js';
import {
  batchGet,
  commentCountKeys,
  commentSummary,
  createUser,
  finishDeletion,
  getComment,
  likeComment,
  listAllComments,
  listNotices,
  postComment,
  reportTarget,
  startAccountDeletion,
  takeDownComment,
  uploadPhoto,
} from '../src/patterns/index.js';
import type { Comment } from '../src/schema/entities/index.js';
import { commentId } from '../src/schema/ids.js';
import { commentRanges, keys } from '../src/schema/keys.js';
import { runCli } from './support/cli.js';
import { auditComments } from '../src/admin/comment-doctor.js';
import { createTestDb, type TestDb } from './support/db.js';
import { loadConfig } from '../src/config/index.js';
import { derivedDb } from '../src/derived/store/index.js';
import { commentSummaryView } from '../src/derived/views/comment-summary.js';
import { replayStream } from './derived/support.js';

let db: TestDb;
const USERS = ['host', 'leaver', 'stays', 'troll', 'frozen'];
const user = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '2000-01-01' });

beforeAll(async () => {
  db = await createTestDb();
  for (const username of USERS) await user(username);
});
afterAll(async () => {
  await db.drop();
});

const code = async (promise: Promise<unknown>) => promise.then(() => 'ok', (e: unknown) => (isDomainError(e) ? e.code : String(e)));
const post = (author: string, p: { username: string; timestamp: string }, text: string, replyTo?: Comment) =>
  postComment(db, { author, photoOwner: p.username, photoTimestamp: p.timestamp, text, ...(replyTo ? { replyTo: { timestamp: replyTo.timestamp, author: replyTo.author } } : {}) });
const count = async (p: { username: string; timestamp: string }) => commentSummary(await batchGet(db, 'test', commentCountKeys(p)), p).commentCount;
const partition = async (pk: string) =>
  (await db.doc.send(new QueryCommand({ TableName: db.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }))).Items ?? [];

describe('account deletion', () => {
  it("removes the account's comments, replies and comment likes, keeping every count exact; the name re-registered inherits none", async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///a.png' });
    const hosts = await post('host', photo, 'welcome');
    const leavers = await post('leaver', photo, 'bye soon');
    await post('stays', photo, 'reply to the leaver', leavers);
    await post('leaver', photo, 'a reply by the leaver', hosts);
    await likeComment(db, 'leaver', hosts);
    await likeComment(db, 'stays', hosts);
    expect(await count(photo)).toBe(4);

    await startAccountDeletion(db, 'leaver');
    // A departing account cannot comment.
    await expect(code(post('leaver', photo, 'one more'))).resolves.toBe('ACCOUNT_DELETED');
    await expect(finishDeletion(db, 'leaver', { deleteFiles: async () => {}, deleteUserFiles: async () => {} })).resolves.toBe('done');

    // Its comment went with the reply to it; its reply to host's went; its like went.
    expect(await count(photo)).toBe(1);
    const left = await getComment(db, hosts);
    expect(left.replyCount).toBe(0);
    expect(left.likeCount).toBe(1);
    expect(await partition(commentRanges.byAuthor('leaver').pk)).toEqual([]);
    expect(await partition(commentRanges.likesBy('leaver').pk)).toEqual([]);

    await user('leaver');
    expect((await listAllComments(db, 'host', photo.timestamp)).items.map((c) => c.author)).toEqual(['host']);
    expect(await partition(commentRanges.byAuthor('leaver').pk)).toEqual([]);
  });
});

describe('moderation', () => {
  it('a takedown deletes the comment with its replies, counts exact, and leaves the author a notice; reports can target a comment', async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///b.png' });
    const bad = await post('troll', photo, 'something nasty');
    await post('host', photo, 'please stop', bad);
    await post('stays', photo, 'a fine comment');
    await reportTarget(db, 'stays', { kind: 'comment', comment: bad, commentId: commentId(bad) }, { reason: 'harassment' });
    await expect(code(reportTarget(db, 'stays', { kind: 'comment', comment: { ...bad, author: 'host' }, commentId: 'x' }, { reason: 'spam' }))).resolves.toBe('COMMENT_NOT_FOUND');

    const notice = await takeDownComment(db, bad, 'harassment');
    expect(notice).toMatchObject({ commentId: commentId(bad), reason: 'harassment' });
    expect((await listNotices(db, 'troll')).items).toEqual([notice]);
    expect(await count(photo)).toBe(1);
    await expect(code(getComment(db, bad))).resolves.toBe('COMMENT_NOT_FOUND');
  });

  it('a suspended account cannot comment', async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///c.png' });
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.user('frozen'), UpdateExpression: 'SET suspendedAt = :t', ExpressionAttributeValues: { ':t': '2026-01-01T00:00:00' } }));
    await expect(code(post('frozen', photo, 'hello'))).resolves.toBe('ACCOUNT_SUSPENDED');
  });

  it('the CLI lists a photo\'s comments with their ids and takes one down', async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///d.png' });
    const target = await post('troll', photo, 'spam spam');
    await post('stays', photo, 'nice');
    const id = Buffer.from(`host/${photo.timestamp}`).toString('base64url');
    const list = await runCli(db.table, ['comments', 'list', id]);
    expect(list.code, list.err).toBe(0);
    expect(list.out).toContain(commentId(target));
    expect(list.out).toContain('troll: spam spam');
    const down = await runCli(db.table, ['comments', 'takedown', commentId(target), '--reason', 'spam']);
    expect(down.code, down.err).toBe(0);
    expect((await listAllComments(db, 'host', photo.timestamp)).items.map((c) => c.author)).toEqual(['stays']);
    expect(await count(photo)).toBe(1);
    const bad = await runCli(db.table, ['comments', 'takedown', 'not-an-id', '--reason', 'spam']);
    expect(bad.code).not.toBe(0);
  });
});

describe('doctor', () => {
  it('counts a photo\'s comments as the sum of its shards, one of them below zero as a repair may leave it', async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///s.png' });
    const shard = (n: number, count: number) =>
      db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.commentCount('host', photo.timestamp, String(n)), photoOwner: 'host', photoTimestamp: photo.timestamp, shard: n, count } }));
    await shard(0, -4);
    await shard(2, 6);
    expect(await count(photo)).toBe(2);
    // Made by hand (no comments stand behind them): gone again before the doctor's tests.
    for (const n of [0, 2]) await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.commentCount('host', photo.timestamp, String(n)) }));
  });

  it('finds drifted comment counts and orphan comment items, and repairs them conditionally', async () => {
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///e.png' });
    const top = await post('stays', photo, 'counted');
    await post('host', photo, 'a reply', top);
    await likeComment(db, 'host', top);
    // No worker runs here: the photos' list summaries are brought up to date as it would.
    await replayStream(db, [commentSummaryView({ db, derived: derivedDb(db), settings: loadConfig({}).derived })]);
    expect((await auditComments(db.doc, db.table)).problems).toEqual([]);
    // Drift: a shard's count and the comment's counters off; an orphan like and an orphan comment of a photo that never was.
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.commentCount('host', photo.timestamp, String(top.shard)), UpdateExpression: 'ADD #c :n', ExpressionAttributeNames: { '#c': 'count' }, ExpressionAttributeValues: { ':n': 5 } }));
    await db.doc.send(new UpdateCommand({ TableName: db.table, Key: keys.comment('host', photo.timestamp, top.timestamp, 'stays'), UpdateExpression: 'SET replyCount = :r, likeCount = :l', ExpressionAttributeValues: { ':r': 9, ':l': 0 } }));
    const ghost = { photoOwner: 'host', photoTimestamp: '2001-01-01T00:00:00', timestamp: '2001-01-01T00:00:01', author: 'stays' };
    await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.comment(ghost.photoOwner, ghost.photoTimestamp, ghost.timestamp, ghost.author), ...ghost, text: 'ghost', likeCount: 0, replyCount: 0, shard: 0 } }));
    await db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.commentLike('stays', ghost.photoOwner, ghost.photoTimestamp, ghost.timestamp, ghost.author), liker: 'stays', ...ghost, likedAt: ghost.timestamp } }));
    const found = await auditComments(db.doc, db.table);
    // The ghost's like counts on the ghost (a counter problem) until the ghost goes; the next round takes the like.
    // The drifted shard also leaves the photo's list summary behind it.
    expect(found.problems.map((p) => p.type).sort()).toEqual(['comment-count', 'comment-counter', 'comment-counter', 'comment-counter', 'comment-summary', 'orphan-comment-item']);
    const fixed = await auditComments(db.doc, db.table, { fix: true });
    expect(fixed.remaining).toEqual([]);
    expect(await count(photo)).toBe(2);
    expect(await getComment(db, top)).toMatchObject({ replyCount: 1, likeCount: 1 });
    const run = await runCli(db.table, ['doctor']);
    expect(run.out).not.toContain('comment');
  });

  it('finds the comments, replies and likes of an account that does not exist, and removes them with every count exact', async () => {
    await user('vanished');
    const photo = await uploadPhoto(db, { username: 'host', location: 'file:///v.png' });
    const top = await post('stays', photo, 'still here');
    const theirs = await post('vanished', photo, 'about to vanish');
    await post('vanished', photo, 'a reply of theirs', top);
    await post('stays', photo, 'a reply to them', theirs);
    await likeComment(db, 'vanished', top);
    await replayStream(db, [commentSummaryView({ db, derived: derivedDb(db), settings: loadConfig({}).derived })]);
    expect((await auditComments(db.doc, db.table)).problems).toEqual([]);
    // The account is gone and its comment items are not (a restore, a lost job): its name may be taken again.
    await db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.user('vanished') }));

    const found = await auditComments(db.doc, db.table);
    expect(found.problems.filter((p) => p.type === 'orphan-comment-item').map((p) => (p.type === 'orphan-comment-item' ? p.reason : ''))).toEqual([
      'its author vanished does not exist',
      'its author vanished does not exist',
      'its liker vanished does not exist',
    ]);
    const fixed = await auditComments(db.doc, db.table, { fix: true });
    expect(fixed.remaining).toEqual([]);
    expect(await partition(commentRanges.byAuthor('vanished').pk)).toEqual([]);
    expect(await partition(commentRanges.likesBy('vanished').pk)).toEqual([]);
    // Left: the comment of the one who stays, with no reply or like counted.
    expect(await count(photo)).toBe(1);
    expect(await getComment(db, top)).toMatchObject({ replyCount: 0, likeCount: 0 });
  });
});
