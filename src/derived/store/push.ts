/** The push view's collapse items (PUSH#<recipient> / C#...): one per burst, also its delivery record. */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { call, type Db } from '../../patterns/db.js';
import type { ItemKey } from '../../schema/keys.js';

/**
 * UpdateItem `SET first = if_not_exists(first, :me)`: the first activity item of a burst owns
 * its notification; a later one (or a replay of the first) learns who does, and to which
 * devices it has been sent already.
 */
export async function claimCollapse(derived: Db, key: ItemKey, first: string, expiresAt: number): Promise<{ owned: boolean; sentTo: string[] }> {
  const result = await call(derived, 'claimPushCollapse', () =>
    derived.doc.send(
      new UpdateCommand({
        TableName: derived.table,
        Key: key,
        UpdateExpression: 'SET #first = if_not_exists(#first, :first), expiresAt = if_not_exists(expiresAt, :exp)',
        ExpressionAttributeNames: { '#first': 'first' },
        ExpressionAttributeValues: { ':first': first, ':exp': expiresAt },
        ReturnValues: 'ALL_NEW',
      }),
    ),
  );
  const item = result.Attributes ?? {};
  const sentTo = Array.isArray(item.sentTo) ? item.sentTo.map(String) : [];
  return { owned: item.first === first, sentTo };
}

/** UpdateItem appending one device to `sentTo` (at most the account's device bound). */
export async function markPushSent(derived: Db, key: ItemKey, deviceId: string): Promise<void> {
  await call(derived, 'markPushSent', () =>
    derived.doc.send(
      new UpdateCommand({
        TableName: derived.table,
        Key: key,
        UpdateExpression: 'SET sentTo = list_append(if_not_exists(sentTo, :none), :one)',
        ExpressionAttributeValues: { ':none': [], ':one': [deviceId] },
      }),
    ),
  );
}
