/**
 * Deleting comments, keeping every count exact: one comment or reply (by its author, the
 * photo's owner, a moderator or the author's account deletion), a comment's replies with it,
 * and a deleted photo's whole conversation. Likes of a deleted comment are swept after it
 * (they count on the comment, which is gone): the doctor removes any a crash left.
 */
import { DeleteCommand, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { errors, isDomainError } from '../errors.js';
import { assertTimestamp, assertUsername } from '../schema/entities.js';
import type { RawItem } from '../schema/entity.js';
import { Comment, CommentCount, CommentLike, CommentRef, commentKey } from '../schema/entities/index.js';
import type { CommentRefId } from '../schema/ids.js';
import { commentRanges, INVERTED_INDEX, keys } from '../schema/keys.js';
import { backoff, call, isConditionFailure, RETRY, transact, type Db } from './db.js';
import { inPrefix, paginate } from './paging.js';
import { unlikeComment } from './comment-likes.js';
import { addressOf, isReply, validAddress } from './comments.js';
import { activeUserCheck, deletingUserCheck, inactiveUser } from './guards.js';

/** Who deletes: a signed-in user (the author or the photo's owner), a moderator, or the author's account deletion. */
export type CommentDeleter = { user: string } | 'moderator' | 'deletion-job';

/** Failed rounds (a reply or like racing in, a shard's preview changing) tolerated before giving up. */
const DELETE_ATTEMPTS = 20;
const REPLY_PAGE = 25;

/**
 * Deletes a comment (with its replies, newest-first pages of 25, each reply its own
 * transaction) or a reply. Each deletion is one TransactWriteItems: Delete of the comment
 * (`attribute_exists`, and for a comment `replyCount = 0`, so a reply racing in sends it round
 * again), Delete of its ref, `ADD count -1` on the shard it was counted on (`count >= 1`; it
 * clears the shard's preview of it, conditioned on the preview read), a reply's `ADD replyCount
 * -1` on its parent, and the deleter's check. Then its likes are swept.
 */
export async function deleteComment(db: Db, refInput: CommentRefId, by: CommentDeleter): Promise<void> {
  const ref = validAddress(refInput);
  if (typeof by === 'object') {
    assertUsername(by.user, 'user');
    if (by.user !== ref.author && by.user !== ref.photoOwner) throw errors.notYourComment();
  }
  for (let failures = 0; failures < DELETE_ATTEMPTS; ) {
    const comment = await read(db, ref);
    if (!comment) throw errors.commentNotFound();
    if (!isReply(ref) && (comment.replyCount ?? 0) > 0) {
      await deleteReplies(db, ref, by);
      continue;
    }
    const outcome = await deleteOne(db, comment, by, ref);
    if (outcome === 'gone') throw errors.commentNotFound();
    if (outcome === 'done') {
      await sweepLikes(db, ref);
      return;
    }
    await backoff(++failures);
  }
  throw errors.transactionConflict();
}

async function read(db: Db, ref: CommentRefId): Promise<Comment | undefined> {
  const result = await call(db, 'deleteComment', () => db.doc.send(new GetCommand({ TableName: db.table, Key: commentKey(ref), ConsistentRead: true })));
  return result.Item ? Comment.decode(result.Item) : undefined;
}

/** One page of a comment's replies, each deleted as the comment's deleter deletes (a reply gone meanwhile is skipped). */
async function deleteReplies(db: Db, parent: CommentRefId, by: CommentDeleter): Promise<void> {
  const range = commentRanges.replies(parent.photoOwner, parent.photoTimestamp, parent.timestamp, parent.author);
  const page = await call(db, 'deleteComment', () =>
    db.doc.send(new QueryCommand({
      TableName: db.table,
      ...inPrefix(range),
      ConsistentRead: true,
      Limit: REPLY_PAGE,
    })));
  for (const item of page.Items ?? []) {
    const reply = Comment.decode(item);
    for (let failures = 0; ; ) {
      const outcome = await deleteOne(db, reply, by, parent);
      if (outcome !== 'retry') break;
      if (++failures >= DELETE_ATTEMPTS) throw errors.transactionConflict();
      await backoff(failures);
    }
    await sweepLikes(db, reply);
  }
}

/** The deleter's condition: a user active, the deleted comment's author being deleted (its replies' too), a moderator none. */
function deleterCheck(db: Db, deleted: CommentRefId, by: CommentDeleter) {
  if (typeof by === 'object') return [activeUserCheck(db, by.user)];
  if (by === 'deletion-job') return [deletingUserCheck(db, deleted.author)];
  return [];
}

/** The one transaction deleting `comment` (no replies left): done, gone already, or retry (a condition says read again). */
async function deleteOne(db: Db, comment: Comment, by: CommentDeleter, deleted: CommentRefId): Promise<'done' | 'gone' | 'retry'> {
  const ref = addressOf(comment);
  const shardKey = keys.commentCount(ref.photoOwner, ref.photoTimestamp, String(comment.shard));
  const shardItem = await call(db, 'deleteComment', () => db.doc.send(new GetCommand({ TableName: db.table, Key: shardKey, ConsistentRead: true })));
  const shard = shardItem.Item ? CommentCount.decode(shardItem.Item) : undefined;
  const holds = (p: { timestamp: string; author: string } | null | undefined) => p?.timestamp === ref.timestamp && p.author === ref.author;
  const slot = shard && holds(shard.p0) ? 'p0' : shard && holds(shard.p1) ? 'p1' : undefined;
  const names: Record<string, string> = { '#count': 'count' };
  const values: Record<string, unknown> = { ':minus': -1, ':one': 1 };
  let condition = '#count >= :one';
  let update = 'ADD #count :minus';
  if (slot) {
    names['#slot'] = slot;
    values[':ts'] = ref.timestamp;
    values[':author'] = ref.author;
    values[':null'] = null;
    condition += ' AND #slot.#ts = :ts AND #slot.#author = :author';
    names['#ts'] = 'timestamp';
    names['#author'] = 'author';
    update = `SET #slot = :null ${update}`;
  }
  const guard = deleterCheck(db, deleted, by);
  const parentUpdate = isReply(ref)
    ? [{
        Update: {
          TableName: db.table,
          Key: keys.comment(ref.photoOwner, ref.photoTimestamp, ref.parentTimestamp!, ref.parentAuthor!),
          UpdateExpression: 'ADD replyCount :minus',
          ConditionExpression: 'attribute_exists(PK) AND replyCount >= :one',
          ExpressionAttributeValues: { ':minus': -1, ':one': 1 },
        },
      }]
    : [];
  let gone = false;
  const applied = await transact(
    db,
    'deleteComment',
    [
      ...guard,
      {
        Delete: {
          TableName: db.table,
          Key: commentKey(ref),
          ConditionExpression: isReply(ref) ? 'attribute_exists(PK)' : 'attribute_exists(PK) AND (attribute_not_exists(replyCount) OR replyCount = :zero)',
          ...(isReply(ref) ? {} : { ExpressionAttributeValues: { ':zero': 0 } }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        },
      },
      { Delete: { TableName: db.table, Key: keys.commentRef(ref.author, ref.photoOwner, ref.photoTimestamp, ref.timestamp) } },
      { Update: { TableName: db.table, Key: shardKey, UpdateExpression: update, ConditionExpression: condition, ExpressionAttributeNames: names, ExpressionAttributeValues: values } },
      ...parentUpdate,
    ],
    (failed, reasons) => {
      if (guard.length > 0 && failed(0)) return typeof by === 'object' ? inactiveUser(by.user, reasons[0]) : errors.userNotFound(deleted.author);
      const at = guard.length;
      if (failed(at) && reasons[at]?.Item === undefined) gone = true;
      return RETRY;
    },
  );
  return applied ? 'done' : gone ? 'gone' : 'retry';
}

/** After a comment is gone: its likes (Query InvertedIndex `SK = CL#...`), each DeleteItem `attribute_exists`. */
export async function sweepLikes(db: Db, ref: CommentRefId): Promise<number> {
  const range = commentRanges.likesOf(ref.photoOwner, ref.photoTimestamp, ref.timestamp, ref.author);
  let removed = 0;
  const pages = paginate(db, 'sweepCommentLikes', QueryCommand, { IndexName: INVERTED_INDEX, KeyConditionExpression: 'SK = :sk', ExpressionAttributeValues: { ':sk': range.sk } });
  for await (const { Items: items } of pages) {
    for (const item of items) {
      if (CommentLike.is(item) && (await removeItem(db, item))) removed += 1;
    }
  }
  return removed;
}

async function removeItem(db: Db, item: RawItem): Promise<boolean> {
  try {
    await call(db, 'sweepComments', () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: { PK: item.PK, SK: item.SK }, ConditionExpression: 'attribute_exists(PK)' })));
    return true;
  } catch (error) {
    if (isConditionFailure(error)) return false;
    throw error;
  }
}

/**
 * A deleted photo's conversation (its photo is gone, so nothing can be added): every item of
 * the COMMENTS# partition (Query, pages of 100), each comment's ref and likes first, then
 * itself; counts need no care, they die with the shards. A crash part way leaves an orphan
 * conversation the doctor sweeps the same way. Returns how many comments went.
 */
export async function sweepConversation(db: Db, owner: string, photoTimestamp: string): Promise<number> {
  assertUsername(owner, 'owner');
  assertTimestamp(photoTimestamp);
  const range = commentRanges.conversation(owner, photoTimestamp);
  let comments = 0;
  const pages = paginate(db, 'sweepConversation', QueryCommand, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': range.pk }, Limit: 100 });
  for await (const { Items: items } of pages) {
    for (const item of items) {
      if (Comment.is(item)) {
        const comment = Comment.decode(item);
        await removeItem(db, { ...keys.commentRef(comment.author, owner, photoTimestamp, comment.timestamp) });
        await sweepLikes(db, comment);
        comments += 1;
      }
      await removeItem(db, item);
    }
  }
  return comments;
}

/** Every comment and reply `author` wrote (Query of their COMMENTSBY# partition, pages of 100), for account deletion and the doctor. */
export async function forEachCommentBy(db: Db, author: string, onRef: (ref: CommentRef) => Promise<void>): Promise<void> {
  const range = commentRanges.byAuthor(author);
  const pages = paginate(db, 'forEachCommentBy', QueryCommand, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': range.pk }, Limit: 100 });
  for await (const { Items: items } of pages) for (const item of items) if (CommentRef.is(item)) await onRef(CommentRef.decode(item));
}

/** Every comment like `liker` gave (Query of their CLIKES# partition, pages of 100). */
export async function forEachCommentLikeBy(db: Db, liker: string, onLike: (like: CommentLike) => Promise<void>): Promise<void> {
  const range = commentRanges.likesBy(liker);
  const pages = paginate(db, 'forEachCommentLikeBy', QueryCommand, { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': range.pk }, Limit: 100 });
  for await (const { Items: items } of pages) for (const item of items) if (CommentLike.is(item)) await onLike(CommentLike.decode(item));
}

/**
 * Account deletion's comments step: every comment like the account gave (each its own exact
 * unlike, conditioned on the account being deleted), then every comment and reply it wrote
 * (deleted as `deleteComment` does, replies by others to its comments included, every count
 * exact); a ref whose comment went meanwhile (a cascade) is deleted alone. `beforeEach` is the
 * job's pause point; `beforeDelete` runs before each of its comments goes (the job removes the
 * reports of it there).
 */
export async function deleteCommentsOf(db: Db, username: string, beforeEach: () => void, beforeDelete?: (comment: CommentRefId) => Promise<void>): Promise<void> {
  await forEachCommentLikeBy(db, username, async (like) => {
    beforeEach();
    await unlikeComment(db, username, like, 'deletion-job').catch(ignore('COMMENT_LIKE_NOT_FOUND'));
  });
  await forEachCommentBy(db, username, async (ref) => {
    beforeEach();
    await beforeDelete?.(addressOf(ref));
    try {
      await deleteComment(db, addressOf(ref), 'deletion-job');
    } catch (error) {
      ignore('COMMENT_NOT_FOUND')(error);
      await removeItem(db, { ...keys.commentRef(ref.author, ref.photoOwner, ref.photoTimestamp, ref.timestamp) });
    }
  });
}

const ignore = (code: string) => (error: unknown): void => {
  if (!(isDomainError(error) && error.code === code)) throw error;
};
