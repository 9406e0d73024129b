/** Email claims (`EMAIL#<address>`, one per address): who holds an address, and for how long. */

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
