/**
 * The signed-in session a request acts for, and the checks that keep an ended session, or the
 * token of a deleted account whose name was registered again, from reading or writing.
 *
 * No check costs a request of its own: writes carry them in the acting-user condition they
 * already have (guards.ts), and reads check the viewer's User item where a request already
 * reads it (the visibility guard's BatchGetItem, one's own profile, the viewer-state batches).
 *
 * The HTTP layer runs each authenticated request inside `actingAs` (AsyncLocalStorage), so
 * patterns need not thread the session through every signature, and a write or read added
 * later is checked as soon as it uses the guards or reads the viewer's item. Outside a request
 * (CLI, workers, the deletion job) nothing is acting and nothing extra is checked.
 *
 * What a User item says about its sessions (docs/data-model.md):
 *  - `accountId`: the account's immutable id, made at sign-up. Accounts made before it existed
 *    (the lab's, the sample data's, `users create`) have none: their tokens carry none either,
 *    and a token with none never matches an account that has one.
 *  - `sessionsValidAfter` (epoch ms): access tokens issued earlier are refused (log out
 *    everywhere, password change, suspension).
 *  - `revokedSessions` (map: session family id -> revoke time, epoch ms): families ended by a
 *    single log-out; entries older than the access-token lifetime are pruned, and past
 *    MAX_REVOKED_SESSIONS the map is folded into `sessionsValidAfter` (the other devices then
 *    refresh once; their refresh tokens still work).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { errors } from '../errors.js';
import type { RawItem } from '../schema/entity.js';

export interface ActingSession {
  username: string;
  /** Absent for accounts made before ids existed. */
  accountId?: string | undefined;
  /** The refresh-token family the access token was issued from (absent: none to revoke singly). */
  sessionId?: string | undefined;
  /** When the access token was issued, epoch ms. */
  issuedAt: number;
}

export const MAX_REVOKED_SESSIONS = 20;

/**
 * Whether this request has checked its session yet (a read of the User item, or a write that
 * carried the acting condition and applied). One per request: the HTTP layer reads it before
 * answering, and checks with one read of its own only when nothing else did.
 */
export interface SessionCheck {
  checked: boolean;
  /** Whether the request has sent any DynamoDB request (an error answered before any has nothing stored to show). */
  touched?: boolean;
}

const store = new AsyncLocalStorage<{ session: ActingSession; check: SessionCheck }>();

/** Runs `fn` (and everything it awaits) as the given session; `check` records whether it was checked. */
export function actingAs<T>(session: ActingSession, fn: () => T, check: SessionCheck = { checked: false }): T {
  return store.run({ session, check }, fn);
}

/** The session acting for `username` in this request, if it is that user's. */
export function actingFor(username: string): ActingSession | undefined {
  const session = store.getStore()?.session;
  return session?.username === username ? session : undefined;
}

/**
 * Records that this request's session was found live (by a read or a conditioned write of its
 * User item); with `username`, only if that is the acting user's item.
 */
export function markSessionChecked(username?: string): void {
  const state = store.getStore();
  if (state && (username === undefined || state.session.username === username)) state.check.checked = true;
}

/** Runs `fn` outside any request's session (work that outlives the request: the deletion job). */
export function outsideSession<T>(fn: () => T): T {
  return store.exit(fn);
}

/** Records that the current request sent a DynamoDB request (src/patterns/db.ts). */
export function markTouched(): void {
  const state = store.getStore();
  if (state) state.check.touched = true;
}

/** Whether the current request has checked its session (undefined outside a request). */
export function actingCheck(): SessionCheck | undefined {
  return store.getStore()?.check;
}

/**
 * Whether `username` is the acting user and the request has checked (or is checking) its
 * session: the User item exists, or the answer will be SESSION_ENDED.
 */
export function checkedAs(username: string): boolean {
  const state = store.getStore();
  return state !== undefined && state.session.username === username && state.check.checked;
}

/** The session of the current request, if any. */
export function actingSession(): ActingSession | undefined {
  return store.getStore()?.session;
}

/**
 * An item as a failed condition returns it (`ReturnValuesOnConditionCheckFailure`): the SDK
 * hands it over in the wire format, the lean client as plain values. Keys tell which.
 */
export function plainItem(item: RawItem | undefined): RawItem | undefined {
  if (item === undefined || typeof item.PK !== 'object' || item.PK === null) return item;
  return unmarshall(item as Record<string, AttributeValue>);
}

/** Whether `session` may still act on this User item (undefined: the account is gone). */
export function sessionLive(raw: RawItem | undefined, session: ActingSession): boolean {
  const item = plainItem(raw);
  if (!item || item.deleting !== undefined || item.suspendedAt !== undefined) return false;
  if (item.accountId !== session.accountId) return false;
  const validAfter = item.sessionsValidAfter;
  if (typeof validAfter === 'number' && validAfter > session.issuedAt) return false;
  const revoked = item.revokedSessions;
  if (session.sessionId !== undefined && typeof revoked === 'object' && revoked !== null && session.sessionId in revoked) return false;
  return true;
}

/**
 * Called where a read returned (or did not return) the acting user's own User item: an ended
 * session, or a token of another account of the same name, is SESSION_ENDED (401).
 */
export function assertActingLive(username: string, item: RawItem | undefined): void {
  const session = actingFor(username);
  if (!session) return;
  if (!sessionLive(item, session)) throw errors.sessionEnded();
  markSessionChecked();
}

/** Whether a write's parameters carry the acting condition (`actingCondition`, via guards.ts `activeFor`). */
export function carriesActingCondition(params: { ExpressionAttributeValues?: Record<string, unknown> } | undefined): boolean {
  return params?.ExpressionAttributeValues?.[':actingIssuedAt'] !== undefined;
}

/** What `sessionLive` reads of a User item, besides the map entry of the session's own family. */
const SESSION_ATTRIBUTES = ['PK', 'accountId', 'deleting', 'suspendedAt', 'sessionsValidAfter'];

/**
 * A GetItem projection of `attributes` plus, for the acting session (given, or the request's own
 * when `username` is its user), what `sessionLive` needs: only its own entry of `revokedSessions`,
 * so the answer stays small however many families were revoked.
 */
export function projectionWithSession(attributes: string[], session: ActingSession | undefined): { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> } {
  const names: Record<string, string> = {};
  const alias = (name: string): string => {
    const key = `#p${Object.keys(names).length}`;
    names[key] = name;
    return key;
  };
  const paths = [...new Set([...attributes, ...(session ? SESSION_ATTRIBUTES : [])])].map(alias);
  if (session?.sessionId !== undefined) paths.push(`${alias('revokedSessions')}.${alias(session.sessionId)}`);
  return { ProjectionExpression: paths.join(', '), ExpressionAttributeNames: names };
}

/**
 * The condition a write puts on the acting user's item for the session (besides the user being
 * active), with its names and values; empty outside a request or for another user's item.
 */
export function actingCondition(username: string): { expression: string; names: Record<string, string>; values: Record<string, unknown> } {
  const session = actingFor(username);
  if (!session) return { expression: '', names: {}, values: {} };
  const parts = [
    session.accountId === undefined ? 'attribute_not_exists(accountId)' : 'accountId = :actingAccount',
    '(attribute_not_exists(sessionsValidAfter) OR sessionsValidAfter <= :actingIssuedAt)',
  ];
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':actingIssuedAt': session.issuedAt };
  if (session.accountId !== undefined) values[':actingAccount'] = session.accountId;
  if (session.sessionId !== undefined) {
    parts.push('attribute_not_exists(revokedSessions.#actingSession)');
    names['#actingSession'] = session.sessionId;
  }
  return { expression: ` AND ${parts.join(' AND ')}`, names, values };
}
