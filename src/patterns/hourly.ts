/**
 * An account's hourly counts (uploads, comments, reports): one usage item per account and UTC
 * hour, counted inside the write they bound so that concurrent writes cannot pass the bound.
 */
import { keys } from '../schema/keys.js';
import type { Db } from './db.js';

/** The hour bucket of the hourly counts (UTC), and when its item may expire. */
export function hourBucket(now = new Date()): { hour: string; expiresAt: number } {
  return { hour: now.toISOString().slice(0, 13), expiresAt: Math.ceil(now.getTime() / 1000) + 2 * 3600 };
}

/**
 * The transaction item that counts one more `counter` for `username` this hour, below `max`
 * (its ConditionCheck failure is the caller's 429); none when `max` is undefined (unbounded).
 */
export function hourlyBound(db: Db, username: string, counter: string, max: number | undefined) {
  if (max === undefined) return [];
  const { hour, expiresAt } = hourBucket();
  return [
    {
      Update: {
        TableName: db.table,
        Key: keys.hourlyUploads(username, hour),
        UpdateExpression: 'ADD #c :one SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(#c) OR #c < :max',
        ExpressionAttributeNames: { '#c': counter },
        ExpressionAttributeValues: { ':one': 1, ':max': max, ':exp': expiresAt },
      },
    },
  ];
}
