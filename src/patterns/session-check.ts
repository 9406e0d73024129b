/**
 * The session check of last resort: for a request that answered without reading its User item
 * or writing under the acting condition (lists kept in the caller's own partitions: blocks,
 * follow requests, notices, own followers without profiles, empty first pages), the HTTP layer
 * reads just what `sessionLive` needs before the answer leaves (src/http/session-check.ts).
 *
 * Cost, stated: one GetItem of the User item, projected to the session attributes (at most a
 * few hundred bytes: 0.5 RCU, eventually consistent like every other read of it), on those
 * routes only; every other route checks on a request it already makes (acting.ts).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../errors.js';
import { keys } from '../schema/keys.js';
import { actingCheck, actingSession, projectionWithSession, sessionLive, type ActingSession } from './acting.js';
import { call, type Db } from './db.js';

/** GetItem of the acting user's item (session attributes only); SESSION_ENDED (401) when the session has ended. */
export async function assertSessionLive(db: Db, session: ActingSession): Promise<void> {
  const result = await call(db, 'assertSessionLive', () =>
    db.doc.send(new GetCommand({ TableName: db.table, Key: keys.user(session.username), ...projectionWithSession([], session) })),
  );
  if (!sessionLive(result.Item, session)) throw errors.sessionEnded();
}

/**
 * For a write that cannot carry the acting condition (one on the derived table): the same read,
 * made before the write unless the request already checked its session.
 */
export async function ensureActingLive(db: Db): Promise<void> {
  const session = actingSession();
  const check = actingCheck();
  if (!session || !check || check.checked) return;
  await assertSessionLive(db, session);
  check.checked = true;
}
