/**
 * Moderator actions: suspend / unsuspend an account (a mark on its User item that the acting-
 * user condition of every write and every session start refuses, and `viewOf` hides as 404; its
 * private mark says `hidden` meanwhile, so writes on its content answer 404 too),
 * and take a photo down (deleted exactly as `deletePhoto` does, whatever the owner's state, after
 * a notice its owner can read).
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import { assertUsername, validator } from '../../schema/entities.js';
import type { Photo } from '../../schema/entities/index.js';
import { Notice as NoticeItem } from '../../schema/entities/index.js';
import { commentId, photoId, type CommentRefId } from '../../schema/ids.js';
import { getComment } from '../comments.js';
import { deleteComment } from '../comment-deletion.js';
import { keys, ranges } from '../../schema/keys.js';
import { uniqueTimestamp } from '../../schema/timestamps.js';
import { call, RETRY, transact, type Db } from '../db.js';
import { inPrefix, queryPage, type Page, type PageRequest } from '../paging.js';
import { plainItem } from '../acting.js';
import { hideMark, unhideMark } from './marks.js';
import type { RawItem } from '../../schema/entity.js';
import { deletePhoto, getPhoto } from '../photos.js';
import { besideSessionCheck } from '../session-check.js';

const Reason = Type.String({ minLength: 1, maxLength: 500 });
const reasonCheck = validator(Reason);

/**
 * TransactWriteItems: Update `SET suspendedAt, suspendReason` (`attribute_exists(PK)`) + Update of
 * the private mark `SET hidden` (made if absent), so that writes on the account's content, which
 * check the mark and not the User item, answer 404 as its reads do.
 */
export async function suspendUser(db: Db, usernameInput: string, reasonInput: unknown): Promise<{ username: string; suspendedAt: string; reason: string }> {
  const username = assertUsername(usernameInput);
  const reason = reasonCheck.assert(reasonInput, 'reason');
  const suspendedAt = uniqueTimestamp();
  // Every access token issued so far ends at once (src/patterns/acting.ts); refresh is refused while suspended.
  await transact(
    db,
    'setSuspension',
    [
      {
        Update: {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: 'SET suspendedAt = :at, suspendReason = :why, sessionsValidAfter = :now',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':at': suspendedAt, ':why': reason, ':now': Date.now() },
        },
      },
      hideMark(db, username),
    ],
    () => errors.userNotFound(username),
  );
  return { username, suspendedAt, reason };
}

type Standing = 'public' | 'private' | 'deleting';
const STANDING_ATTEMPTS = 3;

/**
 * TransactWriteItems: Update `REMOVE suspendedAt, suspendReason`, conditional on the account's
 * standing as expected, + what the private mark becomes: deleted (public), `REMOVE hidden`
 * (private), untouched (being deleted: still hidden). The first try expects public; a failure
 * returns the User item (ALL_OLD), which says the standing to try (2 transactions for a private
 * or departing account).
 */
export async function unsuspendUser(db: Db, usernameInput: string): Promise<void> {
  const username = assertUsername(usernameInput);
  let standing: Standing = 'public';
  for (let attempt = 0; attempt < STANDING_ATTEMPTS; attempt++) {
    const condition = {
      public: 'attribute_exists(PK) AND attribute_not_exists(deleting) AND (attribute_not_exists(#p) OR #p <> :true)',
      private: 'attribute_exists(PK) AND attribute_not_exists(deleting) AND #p = :true',
      deleting: 'attribute_exists(deleting)',
    }[standing];
    const mark = {
      public: [{ Delete: { TableName: db.table, Key: keys.privateMark(username) } }],
      private: [unhideMark(db, username)],
      deleting: [],
    }[standing];
    let next: Standing | undefined;
    const applied = await transact(
      db,
      'setSuspension',
      [
        {
          Update: {
            TableName: db.table,
            Key: keys.user(username),
            UpdateExpression: 'REMOVE suspendedAt, suspendReason',
            ConditionExpression: condition,
            ...(standing === 'deleting' ? {} : { ExpressionAttributeNames: { '#p': 'private' }, ExpressionAttributeValues: { ':true': true } }),
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
          },
        },
        ...mark,
      ],
      (_failed, reasons) => {
        const item = plainItem(reasons[0]?.Item);
        if (item === undefined) return errors.userNotFound(username);
        next = item.deleting !== undefined ? 'deleting' : item.private === true ? 'private' : 'public';
        return RETRY;
      },
    );
    if (applied) return;
    if (next !== undefined) standing = next;
  }
  throw errors.transactionConflict();
}

export interface Notice {
  photoId: string;
  /** A comment taken down (on the photo `photoId`). */
  commentId?: string;
  reason: string;
  at: string;
}

/**
 * GetItem of the photo, PutItem of the owner's notice, then `deletePhoto` (its reactions in
 * counted transactions, the photo last). The notice goes first: if the deletion is cut short,
 * running the takedown again finishes it (the notice Put is keyed by time, so a retry adds a
 * second notice rather than losing one). Returns the photo, so that the caller removes its
 * files (every variant: deletePhotoFiles) from the blob store.
 */
export async function takeDownPhoto(db: Db, owner: string, timestamp: string, reasonInput: unknown): Promise<{ notice: Notice; photo: Photo }> {
  const reason = reasonCheck.assert(reasonInput, 'reason');
  const photo = await getPhoto(db, owner, timestamp);
  const notice: Notice = { photoId: photoId(owner, timestamp), reason, at: uniqueTimestamp() };
  await call(db, 'takeDownPhoto', () => db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.notice(owner, notice.at, notice.photoId), owner, ...notice } })));
  await deletePhoto(db, owner, timestamp, 'moderator');
  return { notice, photo };
}

/**
 * GetItem of the comment, PutItem of its author's notice, then `deleteComment` as a moderator
 * (its replies and likes with it, every count exact). As for photos, the notice goes first.
 */
export async function takeDownComment(db: Db, ref: CommentRefId, reasonInput: unknown): Promise<Notice> {
  const reason = reasonCheck.assert(reasonInput, 'reason');
  const comment = await getComment(db, ref);
  const notice: Notice = { photoId: photoId(comment.photoOwner, comment.photoTimestamp), commentId: commentId(comment), reason, at: uniqueTimestamp() };
  await call(db, 'takeDownComment', () => db.doc.send(new PutCommand({ TableName: db.table, Item: { ...keys.notice(comment.author, notice.at, notice.photoId), owner: comment.author, ...notice } })));
  await deleteComment(db, ref, 'moderator');
  return notice;
}

/** A user's takedown notices, oldest first: Query `PK = NOTICE#u AND begins_with(SK, TAKEDOWN#)`. */
export async function listNotices(db: Db, ownerInput: string, page: PageRequest = {}): Promise<Page<Notice>> {
  const owner = assertUsername(ownerInput);
  const notice = (item: RawItem): Notice => {
    const { photoId, commentId, reason, at } = NoticeItem.decode(item);
    return { photoId, ...(commentId ? { commentId } : {}), reason, at };
  };
  const read = () => queryPage(db, 'listNotices', `notices:${owner}`, inPrefix(ranges.noticesOf(owner)), page, notice);
  return (await besideSessionCheck(db, read)).page;
}
