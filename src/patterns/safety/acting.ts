/**
 * The condition every write transaction puts on the user who acts: the account exists and is
 * not suspended. Written once here so that other marks (an account being deleted, say) are
 * added in one place. It asks for ALL_OLD on failure, so that "suspended" is told from
 * "absent" without a read.
 */
import type { CancellationReason } from '@aws-sdk/client-dynamodb';
import type { DomainError } from '../../errors.js';
import { errors } from '../../errors.js';
import { keys } from '../../schema/keys.js';
import type { Db } from '../db.js';
import { safetyErrors } from './errors.js';

export const ACTING_USER_CONDITION = 'attribute_exists(PK) AND attribute_not_exists(suspendedAt)';

/** The ConditionCheck item; for a transaction that already Updates the user, use ACTING_USER_CONDITION on that Update. */
export function actingUser(db: Db, username: string) {
  return {
    ConditionCheck: {
      TableName: db.table,
      Key: keys.user(username),
      ConditionExpression: ACTING_USER_CONDITION,
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
    },
  };
}

/** Why the acting-user condition at `index` failed: the account is suspended, or does not exist. */
export function actingUserError(reasons: CancellationReason[], index: number, username: string): DomainError {
  return reasons[index]?.Item !== undefined ? safetyErrors.suspended(username) : errors.userNotFound(username);
}
