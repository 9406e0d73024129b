/**
 * How sessions end, on the User item that every request's check reads (src/patterns/acting.ts):
 * some families at once (a log-out, the least recently used past the bound, one ended from
 * another device), or every one (log out everywhere, a password change, a suspension).
 */
import { QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import { accountPartition, keys, SESSION_PREFIX } from '../../schema/keys.js';
import { call, conditional, isConditionFailure, transact, TRANSACTION_ITEM_LIMIT, type Db } from '../db.js';
import { paginate } from '../paging.js';
import { actingCondition, markSessionChecked, MAX_REVOKED_SESSIONS } from '../acting.js';

/** Revocations are kept at least this long when the caller does not say the access-token lifetime (pruning late is safe, early is not). */
export const MAX_ACCESS_TTL_SECONDS = 24 * 3600;

/**
 * UpdateItem `SET revokedSessions.<family> = now` on the User item, for each of `familyIds` in the
 * one request (conditional on it being the same account; a legacy item without the map gets one
 * first). The answer (ALL_NEW) shows the whole map: entries past the access-token lifetime are
 * removed, and past MAX_REVOKED_SESSIONS live ones the map is folded into `sessionsValidAfter`
 * (one more UpdateItem, only then). See src/patterns/acting.ts.
 */
export async function markSessionRevoked(db: Db, username: string, accountId: string | undefined, familyIds: readonly string[], accessTtlSeconds: number): Promise<void> {
  if (familyIds.length === 0) return;
  const now = Date.now();
  const sameAccount = accountId === undefined ? 'attribute_not_exists(accountId)' : 'accountId = :account';
  const account = accountId === undefined ? {} : { ':account': accountId };
  const update = (expression: string, condition: string, names: Record<string, string>, values: Record<string, unknown>) =>
    call(db, 'markSessionRevoked', () =>
      db.doc.send(
        new UpdateCommand({
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(PK) AND ${sameAccount} AND ${condition}`,
          ...(Object.keys(names).length > 0 ? { ExpressionAttributeNames: names } : {}),
          ExpressionAttributeValues: { ...account, ...values },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    ).then((result) => result.Attributes, (error: unknown) => {
      if (isConditionFailure(error)) return undefined;
      throw error;
    });
  // More than the map keeps would be folded at once: fold now (and the expression stays small).
  if (familyIds.length > MAX_REVOKED_SESSIONS) {
    await update('SET sessionsValidAfter = :now REMOVE revokedSessions', 'attribute_exists(PK)', {}, { ':now': now });
    return;
  }
  const families = Object.fromEntries(familyIds.map((id, i) => [`#f${i}`, id]));
  const entries = Object.keys(families).map((name) => `revokedSessions.${name} = :now`).join(', ');
  let user = await update(`SET ${entries}`, 'attribute_exists(revokedSessions)', families, { ':now': now });
  user ??= await update('SET revokedSessions = :map', 'attribute_not_exists(revokedSessions)', {}, { ':map': Object.fromEntries(familyIds.map((id) => [id, now])) });
  const revoked = (user?.revokedSessions ?? {}) as Record<string, unknown>;
  const cutoff = now - accessTtlSeconds * 1000;
  const stale = Object.keys(revoked).filter((id) => !(Number(revoked[id]) > cutoff));
  const live = Object.keys(revoked).length - stale.length;
  if (live > MAX_REVOKED_SESSIONS) {
    // Every access token issued so far ends; other devices refresh once (their families stand).
    await update('SET sessionsValidAfter = :now REMOVE revokedSessions', 'attribute_exists(revokedSessions)', {}, { ':now': now });
  } else if (stale.length > 0 && live === 0) {
    // Never an empty map (the stream worker's reader cannot take one), and only if nothing was added since.
    await update('REMOVE revokedSessions', 'size(revokedSessions) = :n', {}, { ':n': stale.length });
  } else if (stale.length > 0) {
    const names = Object.fromEntries(stale.map((id, i) => [`#s${i}`, id]));
    await update(`REMOVE ${stale.map((_, i) => `revokedSessions.#s${i}`).join(', ')}`, 'attribute_exists(revokedSessions)', names, {});
  }
}

/**
 * Log out everywhere (also a password change and a suspension): UpdateItem of the User item
 * `SET sessionsValidAfter = now REMOVE revokedSessions` (every access token issued so far is
 * refused at once), then every refresh-token family is deleted.
 */
export async function endAllSessions(db: Db, username: string): Promise<number> {
  assertUsername(username);
  await markAllSessionsEnded(db, username);
  return revokeAllSessions(db, username);
}

/**
 * UpdateItem `SET sessionsValidAfter = now REMOVE revokedSessions` (`attribute_exists(PK)`). In a
 * request, the acting session's own condition rides along: an ended session's token cannot
 * sign the owner out everywhere (SESSION_ENDED).
 */
export async function markAllSessionsEnded(db: Db, username: string): Promise<void> {
  const acting = actingCondition(username);
  const applied = await conditional(db, 'markAllSessionsEnded', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.user(username),
        UpdateExpression: 'SET sessionsValidAfter = :now REMOVE revokedSessions',
        ConditionExpression: `attribute_exists(PK)${acting.expression}`,
        ...(Object.keys(acting.names).length > 0 ? { ExpressionAttributeNames: acting.names } : {}),
        ExpressionAttributeValues: { ':now': Date.now(), ...acting.values },
      }),
    ),
  );
  if (applied) markSessionChecked(username);
  // A missing account has no sessions to end; a failed acting condition is an ended session.
  else if (acting.expression) throw errors.sessionEnded();
}

/**
 * Log out everywhere: Query `PK = ACCOUNT#u AND begins_with(SK, SESSION#)` (keys only, paged),
 * then TransactWriteItems of up to 100 Deletes per page. Returns how many were revoked.
 */
export async function revokeAllSessions(db: Db, username: string): Promise<number> {
  assertUsername(username);
  let revoked = 0;
  const input = {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': accountPartition(username), ':prefix': SESSION_PREFIX },
    ProjectionExpression: 'PK, SK',
    ConsistentRead: true,
    Limit: TRANSACTION_ITEM_LIMIT,
  };
  for await (const { Items: items } of paginate(db, 'revokeAllSessions', QueryCommand, input)) {
    if (items.length === 0) continue;
    await transact(db, 'revokeAllSessions', items.map((k) => ({ Delete: { TableName: db.table, Key: { PK: k.PK, SK: k.SK } } })), () => errors.transactionConflict());
    revoked += items.length;
  }
  return revoked;
}
