/**
 * Failure throttles in the account's partition, shared by every API instance: failed log-ins
 * (THROTTLE#LOGIN), failed password checks of one signed-in session (THROTTLE#PASSWORD#<id>),
 * and "this email is taken" answers about an account's address (THROTTLE#EMAIL-TAKEN). Each
 * counts failures in a window; past the free ones, each further failure waits longer.
 */
import { DeleteCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ItemKey } from '../../schema/keys.js';
import { call, isConditionFailure, type Db } from '../db.js';

/** Failures allowed per throttle in a window before each further one waits longer. */
export const LOGIN_FREE_FAILURES = 5;
export const LOGIN_WINDOW_SECONDS = 15 * 60;
const MAX_LOCK_SECONDS = 15 * 60;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Seconds a throttle waits after its n-th failure in a window: 0, then 1, 2, 4... up to 15 min. */
export const lockSeconds = (failures: number): number =>
  failures < LOGIN_FREE_FAILURES ? 0 : Math.min(MAX_LOCK_SECONDS, 2 ** (failures - LOGIN_FREE_FAILURES));

/** Seconds still to wait according to a throttle item as read (0: go ahead). */
export function throttleWait(item: Record<string, unknown> | undefined): number {
  const lockedUntil = Number(item?.lockedUntil ?? 0);
  const now = nowSeconds();
  return lockedUntil > now && Number(item?.windowStart ?? 0) > now - LOGIN_WINDOW_SECONDS ? lockedUntil - now : 0;
}

/**
 * One failure: UpdateItem adding one within the window (a lapsed window starts over with a
 * Put), then, past the free failures, an UpdateItem of `lockedUntil`. Returns the count in
 * the window (1 for the first failure of a window).
 */
export async function recordFailure(db: Db, key: ItemKey): Promise<number> {
  const now = nowSeconds();
  let failures = 1;
  try {
    const result = await call(db, 'recordFailure', () =>
      db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: key,
          UpdateExpression: 'SET failures = if_not_exists(failures, :zero) + :one, windowStart = if_not_exists(windowStart, :now), expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(windowStart) OR windowStart > :cutoff',
          ExpressionAttributeValues: { ':zero': 0, ':one': 1, ':now': now, ':cutoff': now - LOGIN_WINDOW_SECONDS, ':ttl': now + 2 * LOGIN_WINDOW_SECONDS },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    );
    failures = Number(result.Attributes?.failures ?? 1);
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    await call(db, 'recordFailure', () =>
      db.doc.send(new PutCommand({ TableName: db.table, Item: { ...key, failures: 1, windowStart: now, expiresAt: now + 2 * LOGIN_WINDOW_SECONDS } })),
    );
  }
  const lock = lockSeconds(failures);
  if (lock > 0) {
    // Rounded up from the present instant, so a lock lasts at least `lock` whole seconds (from a
    // floored start it could last a few milliseconds); reads compare with the floored clock.
    const until = Math.ceil(Date.now() / 1000) + lock;
    await call(db, 'recordFailure', () =>
      db.doc.send(new UpdateCommand({ TableName: db.table, Key: key, UpdateExpression: 'SET lockedUntil = :until', ExpressionAttributeValues: { ':until': until } })),
    );
  }
  return failures;
}

/** DeleteItem of a throttle: a success starts the count over. */
export async function clearThrottle(db: Db, key: ItemKey): Promise<void> {
  await call(db, 'clearThrottle', () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: key })));
}
