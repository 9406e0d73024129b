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
import { actingCondition, actingFor, plainItem, sessionLive } from './acting.js';

/** The profile exists, no deletion has started, and no moderator suspended it. */
export const ACTIVE_USER = 'attribute_exists(PK) AND attribute_not_exists(deleting) AND attribute_not_exists(suspendedAt)';
/** The profile is marked for deletion: only the deletion job writes under this condition. */
export const DELETING_USER = 'attribute_exists(deleting)';

/** ConditionCheck that `username` may write; on failure it returns the item, to tell why. */
export function activeUserCheck(db: Db, username: string) {
  return {
    ConditionCheck: activeFor(username, {
      TableName: db.table,
      Key: keys.user(username),
      ConditionExpression: ACTIVE_USER,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    }),
  };
}

interface Conditioned {
  ConditionExpression: string;
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Record<string, unknown>;
}

/**
 * Adds the acting session's conditions (src/patterns/acting.ts: the account id, sessions ended
 * since the token was issued) right after ACTIVE_USER in a write on `username`'s User item.
 * Every write whose condition names ACTIVE_USER goes through here; nothing changes outside a
 * request or when the item is another user's.
 */
export function activeFor<T extends Conditioned>(username: string, params: T): T {
  const acting = actingCondition(username);
  if (!acting.expression) return params;
  const names = { ...params.ExpressionAttributeNames, ...acting.names };
  return {
    ...params,
    ConditionExpression: params.ConditionExpression.replace(ACTIVE_USER, `(${ACTIVE_USER}${acting.expression})`),
    ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
    ExpressionAttributeValues: { ...params.ExpressionAttributeValues, ...acting.values },
  };
}

/**
 * ConditionCheck that `username` is active and is the account `accountId` (none: an account
 * made before ids existed): how a session is started or rotated, outside any acting session.
 */
export function accountCheck(db: Db, username: string, accountId: string | undefined) {
  return {
    ConditionCheck: {
      TableName: db.table,
      Key: keys.user(username),
      ConditionExpression: `${ACTIVE_USER} AND ${accountId === undefined ? 'attribute_not_exists(accountId)' : 'accountId = :account'}`,
      ...(accountId === undefined ? {} : { ExpressionAttributeValues: { ':account': accountId } }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** The account id stored on an item (User, credentials, session); absent on accounts made before ids existed. */
export function accountIdOf(raw: Record<string, unknown> | undefined): string | undefined {
  const item = plainItem(raw);
  return typeof item?.accountId === 'string' ? item.accountId : undefined;
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
  const session = actingFor(username);
  // The request's own token is what failed: another account of that name, or an ended session.
  if (session && !sessionLive(item, session)) return errors.sessionEnded();
  if (item === undefined) return errors.userNotFound(username);
  return item.suspendedAt !== undefined && item.deleting === undefined ? safetyErrors.suspended(username) : errors.accountDeleted(username);
}
