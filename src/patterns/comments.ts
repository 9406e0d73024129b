/**
 * Comments on photos: post (a comment or a one-level reply) and the owner's comments-off
 * switch (likes: comment-likes.ts). Every count is a transactional counter, written in the same
 * TransactWriteItems as the item it counts, so counts are exact at every commit:
 *  - the photo's comment count (comments + replies) is the sum of COMMENT_SHARDS shard items in
 *    the photo's conversation partition; a post or delete updates one shard, so a hot photo's
 *    writes spread over four items instead of conflicting on one;
 *  - a comment's `replyCount` and `likeCount` live on the comment.
 * Deletion (and its cascades) is in comment-deletion.ts, reads in comment-lists.ts.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors, RetryLaterError } from '../errors.js';
import { assertTimestamp, assertUsername, CAPTION_MAX, validator } from '../schema/entities.js';
import { Comment, CommentRef, commentKey } from '../schema/entities/index.js';
import type { CommentRefId } from '../schema/ids.js';
import { COMMENT_SHARDS, keys } from '../schema/keys.js';
import { nextTimestamp, uniqueTimestamp } from '../schema/timestamps.js';
import { Type } from 'typebox';
import { call, RETRY, transact, type Db } from './db.js';
import { activeUserCheck, inactiveUser } from './guards.js';
import { audienceChecks } from './comment-audience.js';
import { hourlyBound } from './hourly.js';
import { safetyErrors } from './safety/errors.js';

export const COMMENT_MAX = CAPTION_MAX;
/** The caption's text rule (no control characters but line breaks, no bidi overrides), at least one visible character. */
const CommentText = Type.String({ minLength: 1, maxLength: COMMENT_MAX, pattern: '^(?=[\\s\\S]*\\S)[^\\u0000-\\u0009\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$' });
const textCheck = validator(CommentText);

/** VALIDATION_FAILED (path /text) when empty, past COMMENT_MAX, or with a control character or bidi override. */
export function assertCommentText(value: unknown): string {
  if (textCheck.check(value)) return value;
  throw errors.validation(`text must be 1 to ${COMMENT_MAX} characters, not only spaces, line breaks allowed, no control characters or bidirectional overrides.`, [
    { path: '/text', message: `1-${COMMENT_MAX} characters, no control characters or bidirectional overrides` },
  ]);
}

/** Checks the names and times of a comment address (from an id or a caller). */
export function validAddress(ref: CommentRefId): CommentRefId {
  assertUsername(ref.photoOwner, 'photo owner');
  assertTimestamp(ref.photoTimestamp, 'photo timestamp');
  assertUsername(ref.author, 'author');
  assertTimestamp(ref.timestamp);
  if (ref.parentAuthor !== undefined) assertUsername(ref.parentAuthor, 'parent author');
  if (ref.parentTimestamp !== undefined) assertTimestamp(ref.parentTimestamp, 'parent timestamp');
  return ref;
}

export const isReply = (ref: CommentRefId): boolean => ref.parentTimestamp !== undefined;

/** The identity fields of a comment (what its id, ref and likes name). */
export function addressOf(c: CommentRefId): CommentRefId {
  return {
    photoOwner: c.photoOwner,
    photoTimestamp: c.photoTimestamp,
    timestamp: c.timestamp,
    author: c.author,
    ...(c.parentTimestamp !== undefined && c.parentAuthor !== undefined ? { parentTimestamp: c.parentTimestamp, parentAuthor: c.parentAuthor } : {}),
  };
}

const randomShard = (): number => Math.floor(Math.random() * COMMENT_SHARDS);

export interface NewComment {
  author: string;
  photoOwner: string;
  photoTimestamp: string;
  text: unknown;
  /** The top-level comment this replies to (its time and author). */
  replyTo?: { timestamp: string; author: string } | undefined;
  /** At most this many comments and replies by the author per UTC hour (COMMENTS_PER_HOUR); omitted, no bound. */
  perHour?: number | undefined;
}

/** 429 COMMENT_RATE_EXCEEDED, retry when the hour turns. */
export const commentRate = (max: number, now = Date.now()) =>
  new RetryLaterError('busy', 'COMMENT_RATE_EXCEEDED', `At most ${max} comments an hour; retry later.`, 3600 - (Math.floor(now / 1000) % 3600));

const POST_ATTEMPTS = 5;

/**
 * One TransactWriteItems (7 to 12 items, 5 to 9 WCU-writes doubled by the InvertedIndex for the
 * two Puts and the shard): Put of the comment and of its ref in the author's partition (both
 * `attribute_not_exists`), an Update of one random count shard (`ADD count 1`; a top-level
 * comment also becomes the shard's newest preview), a ConditionCheck that the photo exists with
 * comments on, a reply's `ADD replyCount 1` on its parent (which must exist), and the
 * audience checks (the author active, no block with the owner or the replied-to author, the
 * owner public or followed), and with `perHour` the author's hourly count (`ADD comments 1` on
 * the hourly usage item, below `perHour`: 429 COMMENT_RATE_EXCEEDED). A time collision moves the
 * timestamp on; a private owner is a second transaction with the follow check instead of the
 * private-mark check.
 */
export async function postComment(db: Db, input: NewComment): Promise<Comment> {
  const author = assertUsername(input.author, 'author');
  const photoOwner = assertUsername(input.photoOwner, 'photo owner');
  const photoTimestamp = assertTimestamp(input.photoTimestamp, 'photo timestamp');
  const text = assertCommentText(input.text);
  const parent = input.replyTo ? { timestamp: assertTimestamp(input.replyTo.timestamp, 'replyTo'), author: assertUsername(input.replyTo.author, 'replyTo') } : undefined;
  let timestamp = uniqueTimestamp();
  let privateOwner = false;
  for (let attempt = 0; attempt < POST_ATTEMPTS; attempt++) {
    const shard = randomShard();
    const comment: Comment = {
      photoOwner, photoTimestamp, timestamp, author, text, likeCount: 0, shard,
      ...(parent ? { parentTimestamp: parent.timestamp, parentAuthor: parent.author } : { replyCount: 0 }),
    };
    const preview = parent ? '' : ', p1 = if_not_exists(p0, :null), p0 = :preview';
    const checks = audienceChecks(db, author, photoOwner, parent ? [parent.author] : [], privateOwner);
    const parentUpdate = parent
      ? [{
          Update: {
            TableName: db.table,
            Key: keys.comment(photoOwner, photoTimestamp, parent.timestamp, parent.author),
            UpdateExpression: 'ADD replyCount :one',
            ConditionExpression: 'attribute_exists(PK)',
            ExpressionAttributeValues: { ':one': 1 },
          },
        }]
      : [];
    let collided = false;
    let retryPrivate = false;
    // The author's comments this hour: the hourly usage item's `comments`, bounded inside the write.
    const hourly = hourlyBound(db, author, 'comments', input.perHour);
    const applied = await transact(
      db,
      'postComment',
      [
        { Put: { TableName: db.table, Item: Comment.encode(comment), ConditionExpression: 'attribute_not_exists(SK)' } },
        { Put: { TableName: db.table, Item: CommentRef.encode({ ...addressOf(comment) }), ConditionExpression: 'attribute_not_exists(SK)' } },
        {
          Update: {
            TableName: db.table,
            Key: keys.commentCount(photoOwner, photoTimestamp, String(shard)),
            UpdateExpression: `SET photoOwner = :owner, photoTimestamp = :pts, #shard = :shard${preview} ADD #count :one`,
            ExpressionAttributeNames: { '#count': 'count', '#shard': 'shard' },
            ExpressionAttributeValues: {
              ':owner': photoOwner, ':pts': photoTimestamp, ':shard': shard, ':one': 1,
              ...(parent ? {} : { ':null': null, ':preview': { timestamp, author, text: text.slice(0, PREVIEW_CHARS) } }),
            },
          },
        },
        {
          ConditionCheck: {
            TableName: db.table,
            Key: keys.photo(photoOwner, photoTimestamp),
            ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(commentsOff)',
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        },
        ...parentUpdate,
        ...checks.items,
        ...hourly,
      ],
      (failed, reasons) => {
        const offset = 4 + parentUpdate.length;
        const why = checks.explain(offset, failed, reasons);
        if (why === 'hidden') return errors.photoNotFound(photoOwner, photoTimestamp);
        if (why === 'private') {
          if (privateOwner) return safetyErrors.privateAccount(photoOwner);
          retryPrivate = true;
          return RETRY;
        }
        // A blocked commenter learns only that they cannot comment, not whether the photo exists.
        if (why) return why;
        if (failed(3)) return reasons[3]?.Item ? errors.commentsOff() : errors.photoNotFound(photoOwner, photoTimestamp);
        if (parentUpdate.length > 0 && failed(4)) return errors.commentNotFound();
        if (input.perHour !== undefined && failed(offset + checks.items.length)) return commentRate(input.perHour);
        collided = true;
        return RETRY;
      },
    );
    if (applied) return comment;
    if (retryPrivate) privateOwner = true;
    if (collided) timestamp = nextTimestamp(timestamp);
  }
  throw errors.transactionConflict();
}

/** A preview keeps the start of the comment: a feed card shows a line or two. */
export const PREVIEW_CHARS = 300;

/** GetItem (consistent) on one comment or reply; COMMENT_NOT_FOUND when it is gone. */
export async function getComment(db: Db, ref: CommentRefId): Promise<Comment> {
  validAddress(ref);
  const result = await call(db, 'getComment', () => db.doc.send(new GetCommand({ TableName: db.table, Key: commentKey(ref), ConsistentRead: true })));
  if (!result.Item) throw errors.commentNotFound();
  return Comment.decode(result.Item);
}

/**
 * The owner turns a photo's comments off (or on): TransactWriteItems of the owner's active
 * check + an Update of the photo (`attribute_exists`) setting or removing `commentsOff`, which
 * every post checks in its own transaction. Existing comments stay.
 */
export async function setCommentsOff(db: Db, owner: string, photoTimestamp: string, off: boolean): Promise<void> {
  assertUsername(owner, 'owner');
  assertTimestamp(photoTimestamp);
  await transact(
    db,
    'setCommentsOff',
    [
      activeUserCheck(db, owner),
      {
        Update: {
          TableName: db.table,
          Key: keys.photo(owner, photoTimestamp),
          ConditionExpression: 'attribute_exists(PK)',
          ...(off ? { UpdateExpression: 'SET commentsOff = :on', ExpressionAttributeValues: { ':on': true } } : { UpdateExpression: 'REMOVE commentsOff' }),
        },
      },
    ],
    (failed, reasons) => (failed(0) ? inactiveUser(owner, reasons[0]) : errors.photoNotFound(owner, photoTimestamp)),
  );
}
