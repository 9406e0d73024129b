/**
 * The condition every write transaction carries about the user making it: the profile exists
 * and is not being deleted. It rides in the same transaction (a ConditionCheck, or the
 * condition of an Update on the profile itself), so a still-valid access token of a deleted
 * account can change nothing, and costs no extra read.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import { errors, type DomainError } from '../errors.js';
import { keys } from '../schema/keys.js';
import type { Db } from './db.js';

/** The profile exists and no deletion has started. */
export const ACTIVE_USER = 'attribute_exists(PK) AND attribute_not_exists(deleting)';
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

/** Why an active-user condition failed: the account is gone or going, or never existed. */
export function inactiveUser(username: string, reason: CancellationReason | undefined): DomainError {
  return reason?.Item !== undefined ? errors.accountDeleted(username) : errors.userNotFound(username);
}
