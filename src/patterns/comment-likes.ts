/**
 * Likes of comments: one item per (liker, comment) in the liker's CLIKES# partition, written in
 * the same transaction as the comment's `likeCount`, with the same audience checks as a post.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { assertUsername } from '../schema/entities.js';
import { CommentLike, commentKey } from '../schema/entities/index.js';
import type { CommentRefId } from '../schema/ids.js';
import { keys } from '../schema/keys.js';
import { uniqueTimestamp } from '../schema/timestamps.js';
import { audienceChecks } from './comment-audience.js';
import { addressOf, validAddress } from './comments.js';
import { call, RETRY, transact, type Db } from './db.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { safetyErrors } from './safety/errors.js';

/**
 * TransactWriteItems: Put of the like (`attribute_not_exists`) + `ADD likeCount 1` on the comment
 * (which must exist) + the audience checks on the photo's owner and the comment's author.
 * COMMENT_LIKE_EXISTS when already liked.
 */
export async function likeComment(db: Db, liker: string, refInput: CommentRefId): Promise<CommentLike> {
  const ref = validAddress(refInput);
  assertUsername(liker, 'liker');
  const like: CommentLike = { liker, ...addressOf(ref), likedAt: uniqueTimestamp() };
  for (const privateOwner of [false, true]) {
    const checks = audienceChecks(db, liker, ref.photoOwner, [ref.author], privateOwner);
    let retryPrivate = false;
    const applied = await transact(
      db,
      'likeComment',
      [
        { Put: { TableName: db.table, Item: CommentLike.encode(like), ConditionExpression: 'attribute_not_exists(SK)' } },
        { Update: { TableName: db.table, Key: commentKey(ref), UpdateExpression: 'ADD likeCount :one', ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':one': 1 } } },
        ...checks.items,
      ],
      (failed, reasons) => {
        const why = checks.explain(2, failed, reasons);
        // As for a comment that does not exist: the route's answer for any comment of a photo not found.
        if (why === 'hidden') return errors.commentNotFound();
        if (why === 'private') {
          retryPrivate = !privateOwner;
          return privateOwner ? safetyErrors.privateAccount(ref.photoOwner) : RETRY;
        }
        if (why) return why;
        if (failed(1)) return errors.commentNotFound();
        return errors.commentLikeExists();
      },
    );
    if (applied) return like;
    if (!retryPrivate) break;
  }
  throw errors.transactionConflict();
}

/** GetItem on the viewer's like of a comment. */
export async function findCommentLike(db: Db, liker: string, ref: CommentRefId): Promise<CommentLike | undefined> {
  const result = await call(db, 'findCommentLike', () =>
    db.doc.send(new GetCommand({ TableName: db.table, Key: keys.commentLike(liker, ref.photoOwner, ref.photoTimestamp, ref.timestamp, ref.author) })));
  return result.Item ? CommentLike.decode(result.Item) : undefined;
}

/**
 * TransactWriteItems: Delete of the like (`attribute_exists`) + `ADD likeCount -1` on the comment
 * (`likeCount >= 1`) + the liker's active check (`as: 'user'`) or deletion mark (`as: 'deletion-job'`).
 * A comment that is gone takes its like with it: the like alone is deleted then.
 */
export async function unlikeComment(db: Db, liker: string, refInput: CommentRefId, as: 'user' | 'deletion-job' = 'user'): Promise<void> {
  const ref = validAddress(refInput);
  const likeKey = keys.commentLike(liker, ref.photoOwner, ref.photoTimestamp, ref.timestamp, ref.author);
  const guard = as === 'user' ? activeUserCheck(db, liker) : { ConditionCheck: { TableName: db.table, Key: keys.user(liker), ConditionExpression: 'attribute_exists(deleting)' } };
  let commentGone = false;
  await transact(
    db,
    'unlikeComment',
    [
      { Delete: { TableName: db.table, Key: likeKey, ConditionExpression: 'attribute_exists(SK)' } },
      { Update: { TableName: db.table, Key: commentKey(ref), UpdateExpression: 'ADD likeCount :minus', ConditionExpression: 'attribute_exists(PK) AND likeCount >= :one', ExpressionAttributeValues: { ':minus': -1, ':one': 1 } } },
      guard,
    ],
    (failed, reasons) => {
      if (failed(2)) return as === 'user' ? inactiveUser(liker, reasons[2]) : errors.userNotFound(liker);
      if (failed(0)) return errors.commentLikeNotFound();
      commentGone = true;
      return RETRY;
    },
  );
  if (!commentGone) return;
  await transact(db, 'unlikeComment', [{ Delete: { TableName: db.table, Key: likeKey, ConditionExpression: 'attribute_exists(SK)' } }, guard], (failed, reasons) =>
    failed(1) ? (as === 'user' ? inactiveUser(liker, reasons[1]) : errors.userNotFound(liker)) : errors.commentLikeNotFound());
}
