/**
 * The signed-in user's sessions, as the settings screen lists them, and ending one of them.
 *
 * A session is listed by an opaque id derived from its family id (SHA-256, truncated), not the
 * family id itself: the family id is part of every refresh token of the family, and the list
 * shows sessions of other devices. Nothing else of the item (hashes, salt, generation, keys)
 * leaves this module.
 */
import { createHash } from 'node:crypto';
import { DeleteCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../errors.js';
import { assertUsername } from '../../schema/entities.js';
import { accountPartition, keys, SESSION_PREFIX, sessionIdOfKey } from '../../schema/keys.js';
import { conditional, type Db } from '../db.js';
import { paginate } from '../paging.js';
import { accountIdOf } from '../guards.js';
import { ensureActingLive } from '../session-check.js';
import { markSessionRevoked } from './session-ends.js';
import { SESSIONS_PER_ACCOUNT } from './sessions.js';

export interface SessionSummary {
  /** Opaque: `publicSessionId` of the family id. */
  id: string;
  createdAt: string;
  /** The last refresh (or the log-in, if none since), ISO 8601. */
  lastUsedAt: string;
  /** "Firefox on Linux" (devices.ts); absent for sessions started before it was recorded. */
  device?: string;
  expiresAt: string;
}

/** At most this many sessions are listed: every one there is (an account holds no more). */
export const SESSIONS_LISTED = SESSIONS_PER_ACCOUNT;

export const publicSessionId = (familyId: string): string => createHash('sha256').update(`session:${familyId}`).digest('base64url').slice(0, 22);

const sessionNotFound = () => new DomainError('not_found', 'SESSION_NOT_FOUND', 'You have no live session with this id.');

interface StoredSession {
  familyId: string;
  summary: SessionSummary;
}

/**
 * Query `PK = ACCOUNT#u AND begins_with(SK, SESSION#)` (consistent, paged): the live sessions of
 * the account `accountId` (a family left by an earlier account of the same name is not its).
 */
async function liveSessions(db: Db, username: string, accountId: string | undefined): Promise<StoredSession[]> {
  const now = Date.now();
  const found: StoredSession[] = [];
  const input = {
    KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
    ExpressionAttributeValues: { ':pk': accountPartition(username), ':prefix': SESSION_PREFIX },
    ProjectionExpression: 'SK, createdAt, usedAt, expiresAt, device, accountId',
    ConsistentRead: true,
  };
  for await (const { Items: items } of paginate(db, 'listSessions', QueryCommand, input)) {
    for (const item of items) {
      const familyId = sessionIdOfKey(String(item.SK));
      const expiresAt = Number(item.expiresAt) * 1000;
      if (familyId === undefined || !(expiresAt > now) || accountIdOf(item) !== accountId) continue;
      const createdAt = typeof item.createdAt === 'string' ? item.createdAt : new Date(expiresAt).toISOString();
      // usedAt (set at each rotation) has the milliseconds rotatedAt's epoch seconds lack: a refresh in the same second as another log-in still sorts after it.
      const lastUsedAt = typeof item.usedAt === 'string' ? item.usedAt : createdAt;
      const summary: SessionSummary = { id: publicSessionId(familyId), createdAt, lastUsedAt, expiresAt: new Date(expiresAt).toISOString() };
      if (typeof item.device === 'string') summary.device = item.device;
      found.push({ familyId, summary });
    }
  }
  return found;
}

/** The account's live sessions, most recently used first (at most SESSIONS_LISTED). */
export async function listSessions(db: Db, username: string, accountId: string | undefined): Promise<SessionSummary[]> {
  assertUsername(username);
  const sessions = await liveSessions(db, username, accountId);
  return sessions
    .map((s) => s.summary)
    .sort((a, b) => b.lastUsedAt.localeCompare(a.lastUsedAt))
    .slice(0, SESSIONS_LISTED);
}

/**
 * Ends one session, as log-out does: the caller's own session is checked live first (a read of
 * its User item, unless the request checked it already), then DeleteItem of the family
 * (`attribute_exists(PK)`) and the family's access tokens are refused at once
 * (`markSessionRevoked`). SESSION_NOT_FOUND when no live session has this id; ending one that
 * another request ended meanwhile answers the same.
 */
export async function endSession(db: Db, username: string, accountId: string | undefined, id: string, accessTtlSeconds: number): Promise<void> {
  assertUsername(username);
  await ensureActingLive(db);
  const session = (await liveSessions(db, username, accountId)).find((s) => s.summary.id === id);
  if (!session) throw sessionNotFound();
  const deleted = await conditional(db, 'endSession', () =>
    db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.session(username, session.familyId), ConditionExpression: 'attribute_exists(PK)' })),
  );
  if (!deleted) throw sessionNotFound();
  await markSessionRevoked(db, username, accountId, [session.familyId], accessTtlSeconds);
}
