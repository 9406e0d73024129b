/** Email claims (`EMAIL#<address>`, one per address): who holds an address, and for how long. */
import { keys, type ItemKey } from '../../schema/keys.js';
import type { Db } from '../db.js';
import { absent, repairIf, type Precondition } from '../repair.js';

/**
 * An address replaced by an email change stays reserved to its account until `reservedUntil`
 * (epoch s; src/patterns/accounts/email-change.ts); past it, the claim is free even before the
 * engine's TTL has removed it. Conditions that take a claim use these.
 */
export const RESERVATION_OVER = 'reservedUntil < :now';
export const claimFree = () => ({ ConditionExpression: `attribute_not_exists(PK) OR ${RESERVATION_OVER}`, ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) } });

/** Whether a claim item read back still holds its address (absent, or a reservation past its window, does not). */
export function claimHeld(claim: Record<string, unknown> | undefined): boolean {
  if (claim === undefined) return false;
  return !(typeof claim.reservedUntil === 'number' && claim.reservedUntil < Math.floor(Date.now() / 1000));
}

/**
 * Doctor's repair of a claim whose account does not have its address (`user`: the claimant's
 * email as the audit read it; undefined: no such user): deleted if it still names the same
 * account and that account still lacks the address.
 */
export function releaseOrphanClaim(db: Db, key: ItemKey, claimant: string | undefined, user: { email: string; deleting: boolean } | undefined): Promise<boolean> {
  const still: Precondition[] =
    claimant === undefined
      ? []
      : !user
        ? [absent(keys.user(claimant))]
        : user.deleting
          ? [{ key: keys.user(claimant), condition: 'attribute_exists(deleting)' }]
          : [{ key: keys.user(claimant), condition: 'NOT attribute_exists(deleting) AND (email = :email OR attribute_not_exists(email))', values: { ':email': user.email } }];
  return repairIf(
    db,
    [
      {
        Delete: {
          TableName: db.table,
          Key: key,
          ConditionExpression: claimant === undefined ? 'attribute_exists(PK) AND attribute_not_exists(username)' : 'username = :claimant',
          ...(claimant === undefined ? {} : { ExpressionAttributeValues: { ':claimant': claimant } }),
        },
      },
    ],
    still,
  );
}
