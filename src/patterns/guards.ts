/**
 * The condition every write transaction carries about the user making it: the profile exists,
 * is not being deleted and is not suspended by a moderator. It rides in the same transaction (a ConditionCheck, or the
 * condition of an Update on the profile itself), so a still-valid access token of a deleted
 * account can change nothing, and costs no extra read.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { errors, type DomainError } from '../errors.js';
import { keys } from '../schema/keys.js';
import type { Db } from './db.js';
import { safetyErrors } from './safety/errors.js';

/** The profile exists, no deletion has started, and no moderator suspended it. */
export const ACTIVE_USER = 'attribute_exists(PK) AND attribute_not_exists(deleting) AND attribute_not_exists(suspendedAt)';
/** The profile is marked for deletion: only the deletion job writes under this condition. */
export const DELETING_USER = 'attribute_exists(deleting)';

/** ConditionCheck that `username` may write; on failure it returns the item, to tell why. */
export function activeUserCheck(db: Db, username: string) {
  return {
    ConditionCheck: {
      TableName: db.table,
      Key: keys.user(username),
      ConditionExpression: ACTIVE_USER,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** ConditionCheck that `username` is being deleted (the deletion job's own guard). */
export function deletingUserCheck(db: Db, username: string) {
  return { ConditionCheck: { TableName: db.table, Key: keys.user(username), ConditionExpression: DELETING_USER } };
}

/** ConditionCheck that `username` exists in any state: a moderator's action on the account's content. */
export function existingUserCheck(db: Db, username: string) {
  return { ConditionCheck: { TableName: db.table, Key: keys.user(username), ConditionExpression: 'attribute_exists(PK)' } };
}

/** Why an active-user condition failed: suspended, gone or going, or never existed. */
export function inactiveUser(username: string, reason: CancellationReason | undefined): DomainError {
  const item = reason?.Item;
  if (item === undefined) return errors.userNotFound(username);
  return item.suspendedAt !== undefined && item.deleting === undefined ? safetyErrors.suspended(username) : errors.accountDeleted(username);
}
