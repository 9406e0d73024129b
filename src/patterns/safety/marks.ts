/**
 * The private mark `PRIVACY#u` / `PRIVATE`: a cold item beside the hot User item, which writes on
 * another's content check instead of the User item (so a reaction never contends with a follow
 * of a popular account). It exists while the account is private or hidden (suspended, or marked
 * for deletion); `hidden: true` says the latter. Every write that changes `private`,
 * `suspendedAt` or `deleting` writes the mark in the same transaction.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { keys } from '../../schema/keys.js';
import { plainItem } from '../acting.js';
import type { Db } from '../db.js';

/** The mark's item: `hidden` while the account is suspended or being deleted. */
export const privateMarkItem = (username: string, hidden = false) => ({ ...keys.privateMark(username), username, ...(hidden ? { hidden: true } : {}) });

/** ConditionCheck that the owner is public and shown (no mark); on failure the mark tells which. */
export function openOwnerCheck(db: Db, owner: string) {
  return {
    ConditionCheck: {
      TableName: db.table,
      Key: keys.privateMark(owner),
      ConditionExpression: 'attribute_not_exists(PK)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** ConditionCheck that the owner is shown (its mark, if any, is not hidden): beside the follow check on a private owner. */
export function shownOwnerCheck(db: Db, owner: string) {
  return { ConditionCheck: { TableName: db.table, Key: keys.privateMark(owner), ConditionExpression: 'attribute_not_exists(#h)', ExpressionAttributeNames: { '#h': 'hidden' } } };
}

/**
 * The checks a write on `owner`'s content carries about the owner: public (one check), or, on the
 * second pass, followed and shown (two). `why` reads their failures from `offset`: 'hidden' (the
 * owner is suspended or being deleted: answer as the read does, 404), 'private', or undefined.
 */
export function ownerChecks(db: Db, owner: string, follower: string, privateOwner: boolean) {
  const items = privateOwner
    ? [{ ConditionCheck: { TableName: db.table, Key: keys.friendship(owner, follower), ConditionExpression: 'attribute_exists(SK)' } }, shownOwnerCheck(db, owner)]
    : [openOwnerCheck(db, owner)];
  const why = (offset: number, failed: (i: number) => boolean, reasons: CancellationReason[]): 'hidden' | 'private' | undefined => {
    if (privateOwner) return failed(offset + 1) ? 'hidden' : failed(offset) ? 'private' : undefined;
    if (!failed(offset)) return undefined;
    return plainItem(reasons[offset]?.Item)?.hidden !== undefined ? 'hidden' : 'private';
  };
  return { items, why };
}

/** Update of the private mark `SET username, hidden = true` (the mark made if absent). */
export function hideMark(db: Db, username: string) {
  return {
    Update: {
      TableName: db.table,
      Key: keys.privateMark(username),
      UpdateExpression: 'SET username = :u, #h = :true',
      ExpressionAttributeNames: { '#h': 'hidden' },
      ExpressionAttributeValues: { ':u': username, ':true': true },
    },
  };
}

/** Update of the private mark `SET username REMOVE hidden`: a private account shown again (unsuspended). */
export function unhideMark(db: Db, username: string) {
  return {
    Update: {
      TableName: db.table,
      Key: keys.privateMark(username),
      UpdateExpression: 'SET username = :u REMOVE #h',
      ExpressionAttributeNames: { '#h': 'hidden' },
      ExpressionAttributeValues: { ':u': username },
    },
  };
}
