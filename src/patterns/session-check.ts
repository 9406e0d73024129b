/**
 * The session check of last resort: for a request that answered without reading its User item
 * or writing under the acting condition (lists kept in the caller's own partitions: blocks,
 * follow requests, notices, own followers without profiles, empty first pages), the HTTP layer
 * reads just what `sessionLive` needs before the answer leaves (src/http/session-check.ts).
 *
 * Cost, stated: one GetItem of the User item, projected to the session attributes (at most a
 * few hundred bytes: 0.5 RCU, eventually consistent like every other read of it), on those
 * routes only; every other route checks on a request it already makes (acting.ts). The lists
 * that always read only the caller's partitions send it beside their Query
 * (`besideSessionCheck`), so it adds no round trip to their answer.
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
 * `read` (a list in the acting user's own partitions, which reads no User item) with the
 * session's check sent at the same time, rather than after the answer: the same two requests,
 * one round trip. An ended session is SESSION_ENDED (401) whatever the read answered, as the
 * check after the answer would make it. Outside a request, or once checked, `read` alone.
 */
export async function besideSessionCheck<T>(db: Db, read: () => Promise<T>): Promise<T> {
  const session = actingSession();
  const check = actingCheck();
  if (!session || !check || check.checked) return read();
  // Marked now: the answer cannot leave before this function's caller has the check's outcome.
  check.checked = true;
  const [answer, live] = await Promise.allSettled([read(), assertSessionLive(db, session)]);
  if (live.status === 'rejected') throw live.reason;
  if (answer.status === 'rejected') throw answer.reason;
  return answer.value;
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
