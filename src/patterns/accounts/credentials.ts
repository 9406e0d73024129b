/**
 * Sign-up, log-in (throttled per account), signed-in password checks (throttled per session),
 * and password changes. Credentials live in the account's ACCOUNT# partition (see keys.ts),
 * the email claim in its own EMAIL# partition; no access pattern reads either, so nothing here
 * can leak through a profile or a list.
 */
import { randomUUID } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Type, type Static } from 'typebox';
import { errors } from '../../errors.js';
import { NewUser, normalizeEmail, normalizeUsername, validator } from '../../schema/entities.js';
import { User } from '../../schema/entities/index.js';
import { keys } from '../../schema/keys.js';
import { canonicalTimestamp } from '../../schema/timestamps.js';
import { batchGet, call, transact, type Db } from '../db.js';
import { ACTIVE_USER, accountIdOf, activeFor, inactiveUser } from '../guards.js';
import { buildNewUser } from '../users.js';
import { checkNewPassword, hashPassword, Password, spendDecoyHash, verifyPassword } from './passwords.js';
import { claimFree, claimHeld } from './claims.js';
import { revokeAllSessions } from './session-ends.js';
import { newSession, type RefreshGrant } from './sessions.js';
import { clearThrottle, recordFailure, throttleWait } from './throttles.js';

/** Usernames are accepted in any case at the door; the rule is checked (and worded) in code. */
export const UsernameInput = Type.String({
  minLength: 1,
  maxLength: 30,
  description: 'Any case (stored lower case): letters, digits, underscores, dots or hyphens, not starting with a dot or a hyphen',
});

// A new account has no photos to pin.
const { pinnedImage: _pinned, ...signUpProfile } = NewUser.properties;

/** Sign-up: the profile fields of NewUser (same rules) plus the password. */
export const SignUp = Type.Object({ ...signUpProfile, username: UsernameInput, password: Password }, { additionalProperties: false, title: 'SignUpRequest' });
export type SignUp = Static<typeof SignUp>;

export const Credentials = Type.Object(
  { username: UsernameInput, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false, title: 'Credentials' },
);
export type Credentials = Static<typeof Credentials>;

export const PasswordChange = Type.Object(
  { currentPassword: Type.String({ minLength: 1, maxLength: 200 }), newPassword: Password },
  { additionalProperties: false, title: 'PasswordChange' },
);
export type PasswordChange = Static<typeof PasswordChange>;

const signUpCheck = validator(SignUp);
const credentialsCheck = validator(Credentials);

/**
 * BatchGetItem of the user and the email claim first, so that a taken username or email costs
 * no password hash; then one TransactWriteItems: the user Put (`attribute_not_exists(PK)`),
 * the credentials Put and the email-claim Put (`attribute_not_exists(PK)`: one account per
 * email, compared in lower case). Either all three exist afterwards or none does.
 */
export async function signUp(db: Db, input: unknown): Promise<User & { accountId: string }> {
  return (await createAccount(db, input, undefined)).user;
}

/** What a sign-up that signs in answers: the new account and its first session. */
export interface SignedUp {
  user: User & { accountId: string };
  session: RefreshGrant;
}

/**
 * Sign-up and its first session as one write: the same TransactWriteItems as `signUp` also
 * Puts the session item (`attribute_not_exists(SK)`), and the credentials are written with
 * `sessionsStarted` 1 (what createSession's Update would have made of them). Either the account
 * exists with its session or nothing does, so a sign-up that fails (the engine unavailable, a
 * throttle, a timeout) leaves no account that a keyed retry would find taken: the retry simply
 * runs again. `device` is the client's User-Agent, as for createSession.
 */
export async function signUpAndSignIn(db: Db, input: unknown, ttlSeconds: number, device?: string, attempt?: string): Promise<SignedUp> {
  const { user, session } = await createAccount(db, input, { ttlSeconds, device, attempt });
  if (session === undefined) throw new Error('sign-up wrote no session');
  return { user, session };
}

async function createAccount(
  db: Db,
  input: unknown,
  firstSession: { ttlSeconds: number; device: string | undefined; attempt: string | undefined } | undefined,
): Promise<{ user: User & { accountId: string }; session: RefreshGrant | undefined }> {
  const { password: rawPassword, ...fields } = signUpCheck.assert(input, 'sign-up');
  const username = normalizeUsername(fields.username);
  const user = buildNewUser({ ...fields, username });
  const password = checkNewPassword(rawPassword, username);
  const email = normalizeEmail(user.email);

  // A name is free again only once the deletion job of its last account has finished.
  const job = keys.deletionJob(username);
  const taken = await batchGet(db, 'signUp', [keys.user(username), keys.emailClaim(email), job]);
  if (taken.some((item) => item.SK === job.SK)) throw errors.usernameBeingDeleted(username);
  if (taken.some((item) => item.PK === keys.user(username).PK)) throw errors.userExists(username);
  if (taken.some((item) => item.PK === keys.emailClaim(email).PK && claimHeld(item))) throw errors.emailTaken();

  const passwordHash = await hashPassword(password);
  const now = new Date();
  const createdAt = now.toISOString();
  // Immutable: tokens and sessions carry it, so nothing of this account works on a later one of the same name.
  const accountId = randomUUID();
  const started = firstSession === undefined ? undefined : newSession(username, firstSession.ttlSeconds, accountId, firstSession.device);
  await transact(
    db,
    'signUp',
    [
      // joinedAt: what came before it (a mention the worker applies late) was a former account's (patterns/mentions.ts).
      { Put: { TableName: db.table, Item: { ...User.encode(user), accountId, joinedAt: canonicalTimestamp(now) }, ConditionExpression: 'attribute_not_exists(PK)' } },
      // recoveryEmail: where password resets may go while the current address is unverified.
      // sessionsStarted: the first session, written below, counts toward SESSIONS_PER_ACCOUNT (sessions.ts).
      {
        Put: {
          TableName: db.table,
          // signUpAttempt: which keyed request wrote the account, for its retry (sign-up-resume.ts).
          Item: {
            ...credentialsItem(username, passwordHash, createdAt),
            recoveryEmail: user.email,
            accountId,
            ...(started ? { sessionsStarted: 1 } : {}),
            ...(firstSession?.attempt ? { signUpAttempt: firstSession.attempt } : {}),
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
      { Put: { TableName: db.table, Item: { ...keys.emailClaim(email), username, accountId, createdAt }, ...claimFree() } },
      { ConditionCheck: { TableName: db.table, Key: job, ConditionExpression: 'attribute_not_exists(PK)' } },
      // expiresAt doubles as the table's TTL attribute, as for every session.
      ...(started ? [{ Put: { TableName: db.table, Item: started.item, ConditionExpression: 'attribute_not_exists(SK)' } }] : []),
    ],
    (failed) => {
      if (failed(3)) return errors.usernameBeingDeleted(username);
      return failed(2) && !failed(0) && !failed(1) ? errors.emailTaken() : errors.userExists(username);
    },
  );
  return { user: { ...user, accountId }, session: started?.grant };
}

/** The credentials item of a user (sample data writes these too, with one shared demo hash). */
export function credentialsItem(username: string, passwordHash: string, createdAt = new Date().toISOString()) {
  return { ...keys.credentials(username), username, passwordHash, createdAt };
}

/**
 * Returns the (lower-case) username when the password matches; INVALID_CREDENTIALS otherwise
 * (the same for unknown users, at the same cost). One BatchGetItem reads the credentials and
 * the account's throttle: a throttled account is refused before any hash is spent. A success
 * after failures deletes the throttle item.
 */
export async function verifyCredentials(db: Db, input: unknown): Promise<string> {
  return (await verifyLogin(db, input)).username;
}

/** verifyCredentials, also returning the account's id from the credentials (for the session and its tokens). */
export async function verifyLogin(db: Db, input: unknown): Promise<{ username: string; accountId: string | undefined }> {
  const { username: given, password } = credentialsCheck.assert(input, 'credentials');
  const username = normalizeUsername(given);
  const items = await batchGet(db, 'verifyLogin', [keys.credentials(username), keys.loginThrottle(username)]);
  const credentials = items.find((item) => item.SK === keys.credentials(username).SK);
  const throttle = items.find((item) => item.SK === keys.loginThrottle(username).SK);
  const wait = throttleWait(throttle);
  if (wait > 0) throw errors.loginThrottled(wait);

  const stored: unknown = credentials?.passwordHash;
  if (typeof stored !== 'string') {
    await spendDecoyHash(password);
    throw errors.invalidCredentials();
  }
  if (!(await verifyPassword(password, stored))) {
    await recordFailure(db, keys.loginThrottle(username));
    throw errors.invalidCredentials();
  }
  if (throttle) await clearThrottle(db, keys.loginThrottle(username));
  return { username, accountId: accountIdOf(credentials) };
}

/** GetItem (consistent) of the credentials' stored hash, or undefined. */
export async function storedPasswordHash(db: Db, username: string): Promise<string | undefined> {
  const result = await call(db, 'storedPasswordHash', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.credentials(username), ConsistentRead: true })));
  const stored: unknown = result.Item?.passwordHash;
  return typeof stored === 'string' ? stored : undefined;
}

/** The session a password check is throttled on; tokens issued before sessions were named share one. */
const sessionKey = (username: string, sessionId: string | undefined) => keys.passwordThrottle(username, sessionId ?? 'unnamed');

/**
 * WRONG_PASSWORD unless `password` is the account's current password; PASSWORD_THROTTLED while
 * this session has failed too often. One BatchGetItem reads the credentials and the session's
 * throttle; a failure is counted on the session only (a thief holding one token slows only
 * that token's session, never the owner's other devices, and log-in failures by strangers
 * never slow a signed-in device). Returns the stored hash.
 */
export async function checkSessionPassword(db: Db, username: string, sessionId: string | undefined, password: string): Promise<string> {
  const key = sessionKey(username, sessionId);
  const items = await batchGet(db, 'checkSessionPassword', [keys.credentials(username), key]);
  const wait = throttleWait(items.find((item) => item.SK === key.SK));
  if (wait > 0) throw errors.passwordThrottled(wait);
  const stored: unknown = items.find((item) => item.SK === keys.credentials(username).SK)?.passwordHash;
  if (typeof stored !== 'string' || !(await verifyPassword(password, stored))) {
    await recordFailure(db, key);
    throw errors.wrongPassword();
  }
  // No reset on success: a prober with the password would reset the count its EMAIL_TAKEN answers add.
  return stored;
}

/** Counts a refusal that costs the session as much as a wrong password (an email-taken answer). */
export async function recordSessionFailure(db: Db, username: string, sessionId: string | undefined): Promise<void> {
  await recordFailure(db, sessionKey(username, sessionId));
}

/**
 * Sets a new password: TransactWriteItems of the credentials Update (conditional on the hash
 * it replaces, so two changes cannot interleave) + ConditionCheck that the user is active;
 * then every session of the account is revoked (the caller starts a fresh one if it should).
 */
async function setPassword(db: Db, username: string, password: string, replacing: string | undefined): Promise<void> {
  const passwordHash = await hashPassword(password);
  await transact(
    db,
    'setPassword',
    [
      {
        Update: {
          TableName: db.table,
          Key: keys.credentials(username),
          UpdateExpression: 'SET passwordHash = :new, passwordChangedAt = :at',
          ConditionExpression: replacing === undefined ? 'attribute_exists(PK)' : 'passwordHash = :old',
          ExpressionAttributeValues: { ':new': passwordHash, ':at': new Date().toISOString(), ...(replacing === undefined ? {} : { ':old': replacing }) },
        },
      },
      {
        // Every access token issued so far ends with the old password (src/patterns/acting.ts).
        Update: activeFor(username, {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: 'SET sessionsValidAfter = :validAfter REMOVE revokedSessions',
          ConditionExpression: ACTIVE_USER,
          ExpressionAttributeValues: { ':validAfter': Date.now() },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
        }),
      },
    ],
    (failed, reasons) => (failed(1) ? inactiveUser(username, reasons[1]) : errors.wrongPassword()),
  );
  await revokeAllSessions(db, username);
  await clearThrottle(db, keys.loginThrottle(username));
}

/** Change password: needs the current one; revokes every session (the route issues a new one). */
export async function changePassword(db: Db, username: string, sessionId: string | undefined, input: PasswordChange): Promise<void> {
  const password = checkNewPassword(input.newPassword, username);
  const stored = await checkSessionPassword(db, username, sessionId, input.currentPassword);
  await setPassword(db, username, password, stored);
}

/** After a reset token was checked: the new password, every session revoked. */
export async function resetPasswordTo(db: Db, username: string, newPassword: string): Promise<void> {
  await setPassword(db, username, checkNewPassword(newPassword, username), undefined);
}
