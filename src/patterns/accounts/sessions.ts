/**
 * Refresh-token sessions, in the account's ACCOUNT# partition (see keys.ts), one item per
 * session family (one log-in and every token rotated from it).
 *
 * A refresh token is `<username>.<familyId>.<generation>.<secret>`; the item stores only
 * hashes. Rotation derives the successor's secret as HMAC(presented token, a fresh random
 * salt kept in the item), so the successor can be recomputed, and returned again, only by
 * someone holding the previous token, and a table dump alone yields no usable token.
 *
 * A phone that lost the answer to a refresh presents the same token again: within the grace
 * window that returns the same successor. Presented after the window, or after the successor
 * itself was used, it is a reuse (a stolen copy, most likely): the whole family is revoked
 * and the answer is REFRESH_TOKEN_REUSED (OAuth 2.0 security BCP, refresh token rotation).
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DeleteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { errors } from '../../errors.js';
import { assertUsername, Username, validator } from '../../schema/entities.js';
import { accountPartition, keys, SESSION_PREFIX, type ItemKey } from '../../schema/keys.js';
import type { RawItem } from '../../schema/entity.js';
import { accountCheck, accountIdOf, inactiveUser } from '../guards.js';
import { batchGet, call, conditional, isConditionFailure, RETRY, transact, TRANSACTION_ITEM_LIMIT, type Db } from '../db.js';
import { inPrefix, paginate } from '../paging.js';
import { plainItem } from '../acting.js';
import { safetyErrors } from '../safety/errors.js';
import { deviceSummary } from './devices.js';
import { markSessionRevoked, MAX_ACCESS_TTL_SECONDS } from './session-ends.js';

export const REFRESH_GRACE_SECONDS = 30;
/** Live sessions an account may hold: a log-in past it logs the least recently used out. */
export const SESSIONS_PER_ACCOUNT = 100;

export interface RefreshGrant {
  username: string;
  /** The account's id (absent for accounts made before ids existed); access tokens carry it. */
  accountId?: string | undefined;
  /** The session family: access tokens carry it, so that log-out ends them too. */
  sessionId: string;
  /** Opaque to clients; only its hash is stored. */
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
}

const usernameCheck = validator(Username);
const hash = (token: string): string => createHash('sha256').update(token).digest('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const successorSecret = (token: string, salt: string): string => createHmac('sha256', token).update(salt).digest('base64url');
const credentialsExist = (db: Db, username: string) => ({
  ConditionCheck: { TableName: db.table, Key: keys.credentials(username), ConditionExpression: 'attribute_exists(PK)' },
});

interface ParsedToken {
  username: string;
  familyId: string;
  generation: number;
  token: string;
}

function parseRefreshToken(token: unknown): ParsedToken {
  if (typeof token !== 'string' || token.length > 300) throw errors.invalidRefreshToken();
  const parts = token.split('.');
  if (parts.length < 4) throw errors.invalidRefreshToken();
  const [familyId = '', generation = '', secret = ''] = parts.slice(-3);
  const username = parts.slice(0, -3).join('.');
  if (!usernameCheck.check(username) || !/^[A-Za-z0-9_-]{16}$/.test(familyId) || !/^\d{1,9}$/.test(generation) || !/^[A-Za-z0-9_-]{43}$/.test(secret)) {
    throw errors.invalidRefreshToken();
  }
  return { username, familyId, generation: Number(generation), token };
}

const tokenOf = (username: string, familyId: string, generation: number, secret: string) => `${username}.${familyId}.${generation}.${secret}`;

function sameHash(a: unknown, b: string): boolean {
  return typeof a === 'string' && a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/**
 * Starts a session family for a signed-in user: one TransactWriteItems of the session Put
 * (`attribute_not_exists(SK)`) + Update of the credentials `ADD sessionsStarted 1`, below
 * SESSIONS_PER_ACCOUNT (and existing: an account being deleted has none, so it can start no
 * session) + the account check. `device` is the client's User-Agent, stored as a short summary
 * (devices.ts) for the owner's sessions list.
 *
 * `sessionsStarted` counts the sessions started since it was last counted, so it is never below
 * the sessions there are (expiry and log-out leave it as it is). A log-in that finds it at the
 * bound counts and trims them (`pruneSessions`) and tries again: only then does a log-in cost
 * more than its transaction.
 */
export async function createSession(db: Db, username: string, ttlSeconds: number, accountId?: string, device?: string): Promise<RefreshGrant> {
  assertUsername(username);
  const { item: session, grant } = newSession(username, ttlSeconds, accountId, device);
  for (let attempt = 0; attempt < SESSION_BOUND_ATTEMPTS; attempt++) {
    let atBound: RawItem | undefined;
    const started = await transact(
      db,
      'createSession',
      [
        // expiresAt doubles as the table's TTL attribute: expired sessions can be reaped by the engine.
        { Put: { TableName: db.table, Item: session, ConditionExpression: 'attribute_not_exists(SK)' } },
        {
          Update: {
            TableName: db.table,
            Key: keys.credentials(username),
            UpdateExpression: 'ADD sessionsStarted :one',
            ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(sessionsStarted) OR sessionsStarted < :max)',
            ExpressionAttributeValues: { ':one': 1, ':max': SESSIONS_PER_ACCOUNT },
            ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
          },
        },
        // A suspended account may start no session, nor may another account of the same name.
        accountCheck(db, username, accountId),
      ],
      (failed, reasons) => {
        if (failed(2)) return accountIdOf(reasons[2]?.Item) === accountId ? inactiveUser(username, reasons[2]) : errors.invalidCredentials();
        atBound = plainItem(reasons[1]?.Item);
        return failed(1) && typeof atBound?.sessionsStarted === 'number' ? RETRY : errors.invalidCredentials();
      },
    );
    if (started) return grant;
    await pruneSessions(db, username, accountId, atBound);
  }
  throw errors.transactionConflict();
}

/**
 * A new session family's item (to Put with `attribute_not_exists(SK)`) and the grant it answers:
 * createSession writes it, and sign-up writes it in the transaction that creates the account.
 */
export function newSession(username: string, ttlSeconds: number, accountId?: string, device?: string): { item: RawItem & ItemKey; grant: RefreshGrant } {
  const familyId = randomBytes(12).toString('base64url');
  const refreshToken = tokenOf(username, familyId, 0, randomBytes(32).toString('base64url'));
  const expiresAt = nowSeconds() + ttlSeconds;
  const item = {
    ...keys.session(username, familyId),
    currentHash: hash(refreshToken),
    generation: 0,
    expiresAt,
    createdAt: new Date().toISOString(),
    ...(accountId === undefined ? {} : { accountId }),
    ...(device ? { device: deviceSummary(device) } : {}),
  };
  return { item, grant: { username, accountId, sessionId: familyId, refreshToken, expiresAt } };
}

/** A log-in at the bound trims, then tries again; log-ins racing it may take the room first. */
const SESSION_BOUND_ATTEMPTS = 4;
/** A trim leaves this much room: log-ins racing at the bound all get in, and the next trim is that many log-ins away. */
const SESSIONS_TRIMMED = 10;

/**
 * At the bound: Query `PK = ACCOUNT#u AND begins_with(SK, SESSION#)` (consistent, paged), then
 * TransactWriteItems of Deletes (100 a request) of every session item but the
 * SESSIONS_PER_ACCOUNT - SESSIONS_TRIMMED most recently used live ones of this account (so
 * expired ones, an earlier account's of the name and the least recently used go), then UpdateItem of the
 * credentials `SET sessionsStarted = <kept>, sessionsCounted = <new mark>` if no other trim
 * counted since the refused log-in read them (`sessionsCounted` unchanged). While the counter
 * is at the bound no log-in can add a session, so the count then is never below the sessions
 * there are. A trimmed session ends as a log-out ends it: its refresh token is refused, and its
 * access tokens too, at once (`markSessionRevoked`, for those used within an access token's
 * longest lifetime).
 */
async function pruneSessions(db: Db, username: string, accountId: string | undefined, credentials: RawItem | undefined): Promise<void> {
  const now = nowSeconds();
  const input = {
    ...inPrefix({ pk: accountPartition(username), prefix: SESSION_PREFIX }),
    ProjectionExpression: 'PK, SK, createdAt, usedAt, expiresAt, accountId',
    ConsistentRead: true,
  };
  const live: { key: ItemKey; usedAt: string }[] = [];
  const gone: ItemKey[] = [];
  for await (const { Items: items } of paginate(db, 'pruneSessions', QueryCommand, input)) {
    for (const item of items) {
      const key = { PK: String(item.PK), SK: String(item.SK) };
      const usedAt = typeof item.usedAt === 'string' ? item.usedAt : typeof item.createdAt === 'string' ? item.createdAt : '';
      if (Number(item.expiresAt) > now && accountIdOf(item) === accountId) live.push({ key, usedAt });
      else gone.push(key);
    }
  }
  live.sort((a, b) => b.usedAt.localeCompare(a.usedAt));
  const keep = SESSIONS_PER_ACCOUNT - SESSIONS_TRIMMED;
  const trimmed = live.slice(keep);
  gone.push(...trimmed.map((s) => s.key));
  for (let i = 0; i < gone.length; i += TRANSACTION_ITEM_LIMIT) {
    await transact(db, 'pruneSessions', gone.slice(i, i + TRANSACTION_ITEM_LIMIT).map((Key) => ({ Delete: { TableName: db.table, Key } })), () => errors.transactionConflict());
  }
  // A trim ends a session as a log-out does: the access tokens it issued lately are refused at
  // once. Only a session used within the longest access-token lifetime can have one left.
  const lately = new Date((now - MAX_ACCESS_TTL_SECONDS) * 1000).toISOString();
  const revoked = trimmed.filter((session) => session.usedAt > lately).map((session) => session.key.SK.slice(SESSION_PREFIX.length));
  await markSessionRevoked(db, username, accountId, revoked, MAX_ACCESS_TTL_SECONDS);
  const counted = credentials?.sessionsCounted;
  await conditional(db, 'pruneSessions', () =>
    db.doc.send(
      new UpdateCommand({
        TableName: db.table,
        Key: keys.credentials(username),
        UpdateExpression: 'SET sessionsStarted = :kept, sessionsCounted = :mark',
        ConditionExpression: typeof counted === 'string' ? 'sessionsCounted = :counted' : 'attribute_exists(PK) AND attribute_not_exists(sessionsCounted)',
        ExpressionAttributeValues: { ':kept': Math.min(live.length, keep), ':mark': randomBytes(9).toString('base64url'), ...(typeof counted === 'string' ? { ':counted': counted } : {}) },
      }),
    ),
  );
}

/**
 * Rotation: GetItem of the family (consistent), then one TransactWriteItems of an Update
 * (`currentHash = :presented`: the new hash, the previous one, a fresh salt, the time) +
 * ConditionCheck that the credentials exist. A concurrent rotation of the same token loses
 * the condition and is answered from the grace window like a retry. Reuse costs a Delete.
 */
export async function rotateSession(db: Db, refreshToken: unknown, ttlSeconds: number): Promise<RefreshGrant> {
  const presented = parseRefreshToken(refreshToken);
  const key = keys.session(presented.username, presented.familyId);
  const userKey = keys.user(presented.username);
  for (let attempt = 0; attempt < 3; attempt++) {
    // The user item rides along (same request): a suspended or deleted account, or another
    // account of the same name, gets no token, not even the grace window's repeat.
    const found = await batchGet(db, 'rotateSession', [key, userKey], { consistent: true });
    const item = found.find((i) => i.SK === key.SK);
    const user = found.find((i) => i.SK === userKey.SK);
    const now = nowSeconds();
    if (!item || typeof item.generation !== 'number' || Number(item.expiresAt) <= now) throw errors.invalidRefreshToken();
    const accountId = accountIdOf(item);
    if (!user || accountIdOf(user) !== accountId) throw errors.invalidRefreshToken();
    if (user.deleting !== undefined) throw errors.accountDeleted(presented.username);
    if (user.suspendedAt !== undefined) throw safetyErrors.suspended(presented.username);
    const grant = { username: presented.username, accountId, sessionId: presented.familyId };
    const presentedHash = hash(presented.token);
    const generation = item.generation;

    if (presented.generation === generation && sameHash(item.currentHash, presentedHash)) {
      const salt = randomBytes(16).toString('base64url');
      const next = tokenOf(presented.username, presented.familyId, generation + 1, successorSecret(presented.token, salt));
      const expiresAt = now + ttlSeconds;
      const applied = await transact(
        db,
        'rotateSession',
        [
          {
            Update: {
              TableName: db.table,
              Key: key,
              UpdateExpression: 'SET currentHash = :next, previousHash = :h, salt = :salt, generation = :g1, rotatedAt = :now, usedAt = :used, expiresAt = :exp',
              ConditionExpression: 'currentHash = :h AND generation = :g',
              ExpressionAttributeValues: { ':next': hash(next), ':h': presentedHash, ':salt': salt, ':g': generation, ':g1': generation + 1, ':now': now, ':used': new Date().toISOString(), ':exp': expiresAt },
            },
          },
          credentialsExist(db, presented.username),
          accountCheck(db, presented.username, accountId),
        ],
        // Lost the race to a concurrent rotation of the same token: read again, answer from the window.
        (failed, reasons) => {
          if (failed(2)) return accountIdOf(reasons[2]?.Item) === accountId ? inactiveUser(presented.username, reasons[2]) : errors.invalidRefreshToken();
          return failed(1) ? errors.invalidRefreshToken() : RETRY;
        },
      );
      if (applied) return { ...grant, refreshToken: next, expiresAt };
      continue;
    }

    if (presented.generation === generation - 1 && sameHash(item.previousHash, presentedHash) && typeof item.salt === 'string') {
      if (now - Number(item.rotatedAt) <= REFRESH_GRACE_SECONDS) {
        const again = tokenOf(presented.username, presented.familyId, generation, successorSecret(presented.token, item.salt));
        if (sameHash(item.currentHash, hash(again))) return { ...grant, refreshToken: again, expiresAt: Number(item.expiresAt) };
      }
      await revokeFamily(db, key);
      throw errors.refreshTokenReused();
    }
    if (presented.generation < generation - 1) {
      // Only a holder of some token of this family knows its id: an older generation is a replay.
      await revokeFamily(db, key);
      throw errors.refreshTokenReused();
    }
    throw errors.invalidRefreshToken();
  }
  throw errors.transactionConflict();
}

async function revokeFamily(db: Db, key: ItemKey): Promise<void> {
  await call(db, 'revokeFamily', () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: key })));
}

/**
 * Log out: DeleteItem of the family, conditional on the token being its current (or
 * just-rotated) one, then the family's access tokens are ended too (`markSessionRevoked`).
 * `accessTtlSeconds` is how long an access token lives: revocations older than that are pruned.
 */
export async function revokeSession(db: Db, refreshToken: unknown, accessTtlSeconds = MAX_ACCESS_TTL_SECONDS): Promise<void> {
  const presented = parseRefreshToken(refreshToken);
  let session: Record<string, unknown> | undefined;
  try {
    const result = await call(db, 'revokeSession', () =>
      db.doc.send(
        new DeleteCommand({
          TableName: db.table,
          Key: keys.session(presented.username, presented.familyId),
          ConditionExpression: 'currentHash = :h OR previousHash = :h',
          ExpressionAttributeValues: { ':h': hash(presented.token) },
          ReturnValues: 'ALL_OLD',
        }),
      ),
    );
    session = result.Attributes;
  } catch (error) {
    if (isConditionFailure(error)) throw errors.invalidRefreshToken();
    throw error;
  }
  await markSessionRevoked(db, presented.username, accountIdOf(session), [presented.familyId], accessTtlSeconds);
}
