/**
 * Sign-up, log-in (throttled per account), and password changes. Credentials live in the
 * account's ACCOUNT# partition (see keys.ts), the email claim in its own EMAIL# partition;
 * no access pattern reads either, so nothing here can leak through a profile or a list.
 */
import { randomUUID } from 'node:crypto';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { Type, type Static } from 'typebox';
import { errors } from '../../errors.js';
import { NewUser, normalizeEmail, normalizeUsername, validator, type User } from '../../schema/entities.js';
import { encodeUser } from '../../schema/items.js';
import { keys } from '../../schema/keys.js';
import { batchGet, call, isConditionFailure, transact, type Db } from '../db.js';
import { ACTIVE_USER, accountIdOf, activeFor, inactiveUser } from '../guards.js';
import { buildNewUser } from '../users.js';
import { checkNewPassword, hashPassword, Password, spendDecoyHash, verifyPassword } from './passwords.js';
import { revokeAllSessions } from './sessions.js';

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
  const { password: rawPassword, ...fields } = signUpCheck.assert(input, 'sign-up');
  const username = normalizeUsername(fields.username);
  const user = buildNewUser({ ...fields, username });
  const password = checkNewPassword(rawPassword, username);
  const email = normalizeEmail(user.email);

  // A name is free again only once the deletion job of its last account has finished.
  const job = keys.deletionJob(username);
  const taken = await batchGet(db, [keys.user(username), keys.emailClaim(email), job]);
  if (taken.some((item) => item.SK === job.SK)) throw errors.usernameBeingDeleted(username);
  if (taken.some((item) => item.PK === keys.user(username).PK)) throw errors.userExists(username);
  if (taken.length > 0) throw errors.emailTaken();

  const passwordHash = await hashPassword(password);
  const createdAt = new Date().toISOString();
  // Immutable: tokens and sessions carry it, so nothing of this account works on a later one of the same name.
  const accountId = randomUUID();
  await transact(
    db,
    [
      { Put: { TableName: db.table, Item: { ...encodeUser(user), accountId }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: { TableName: db.table, Item: { ...credentialsItem(username, passwordHash, createdAt), accountId }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { Put: { TableName: db.table, Item: { ...keys.emailClaim(email), username, accountId, createdAt }, ConditionExpression: 'attribute_not_exists(PK)' } },
      { ConditionCheck: { TableName: db.table, Key: job, ConditionExpression: 'attribute_not_exists(PK)' } },
    ],
    (failed) => {
      if (failed(3)) return errors.usernameBeingDeleted(username);
      return failed(2) && !failed(0) && !failed(1) ? errors.emailTaken() : errors.userExists(username);
    },
  );
  return { ...user, accountId };
}

/** The credentials item of a user (sample data writes these too, with one shared demo hash). */
export function credentialsItem(username: string, passwordHash: string, createdAt = new Date().toISOString()) {
  return { ...keys.credentials(username), username, passwordHash, createdAt };
}

/** Failed log-ins allowed per account in a window before each further one waits longer. */
export const LOGIN_FREE_FAILURES = 5;
export const LOGIN_WINDOW_SECONDS = 15 * 60;
const MAX_LOCK_SECONDS = 15 * 60;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** Seconds an account waits after its n-th failure in a window: 0, then 1, 2, 4... up to 15 min. */
export const lockSeconds = (failures: number): number =>
  failures < LOGIN_FREE_FAILURES ? 0 : Math.min(MAX_LOCK_SECONDS, 2 ** (failures - LOGIN_FREE_FAILURES));

/**
 * One failed log-in, counted in the account's throttle item (shared by every API instance):
 * UpdateItem adding one within the window (a lapsed window starts over with a Put), then,
 * past the free failures, an UpdateItem of `lockedUntil`.
 */
async function recordFailedLogin(db: Db, username: string): Promise<void> {
  const key = keys.loginThrottle(username);
  const now = nowSeconds();
  let failures = 1;
  try {
    const result = await call(db, () =>
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
    await call(db, () =>
      db.doc.send(new PutCommand({ TableName: db.table, Item: { ...key, failures: 1, windowStart: now, expiresAt: now + 2 * LOGIN_WINDOW_SECONDS } })),
    );
  }
  const lock = lockSeconds(failures);
  if (lock > 0) {
    // Rounded up from the present instant, so a lock lasts at least `lock` whole seconds (from a
    // floored start it could last a few milliseconds); reads compare with the floored clock.
    const until = Math.ceil(Date.now() / 1000) + lock;
    await call(db, () =>
      db.doc.send(new UpdateCommand({ TableName: db.table, Key: key, UpdateExpression: 'SET lockedUntil = :until', ExpressionAttributeValues: { ':until': until } })),
    );
  }
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
  const items = await batchGet(db, [keys.credentials(username), keys.loginThrottle(username)]);
  const credentials = items.find((item) => item.SK === keys.credentials(username).SK);
  const throttle = items.find((item) => item.SK === keys.loginThrottle(username).SK);
  const lockedUntil = Number(throttle?.lockedUntil ?? 0);
  const now = nowSeconds();
  if (lockedUntil > now && Number(throttle?.windowStart ?? 0) > now - LOGIN_WINDOW_SECONDS) throw errors.loginThrottled(lockedUntil - now);

  const stored: unknown = credentials?.passwordHash;
  if (typeof stored !== 'string') {
    await spendDecoyHash(password);
    throw errors.invalidCredentials();
  }
  if (!(await verifyPassword(password, stored))) {
    await recordFailedLogin(db, username);
    throw errors.invalidCredentials();
  }
  if (throttle) await clearLoginThrottle(db, username);
  return { username, accountId: accountIdOf(credentials) };
}

/** DeleteItem of the throttle: a successful log-in (or a new password) starts the count over. */
async function clearLoginThrottle(db: Db, username: string): Promise<void> {
  await call(db, () => db.doc.send(new DeleteCommand({ TableName: db.table, Key: keys.loginThrottle(username) })));
}

/** GetItem (consistent) of the credentials' stored hash, or undefined. */
export async function storedPasswordHash(db: Db, username: string): Promise<string | undefined> {
  const result = await call(db, () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.credentials(username), ConsistentRead: true })));
  const stored: unknown = result.Item?.passwordHash;
  return typeof stored === 'string' ? stored : undefined;
}

/** WRONG_PASSWORD unless `password` is the account's current password. */
export async function assertPassword(db: Db, username: string, password: string): Promise<string> {
  const stored = await storedPasswordHash(db, username);
  if (stored === undefined || !(await verifyPassword(password, stored))) throw errors.wrongPassword();
  return stored;
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
  await clearLoginThrottle(db, username);
}

/** Change password: needs the current one; revokes every session (the route issues a new one). */
export async function changePassword(db: Db, username: string, input: PasswordChange): Promise<void> {
  const password = checkNewPassword(input.newPassword, username);
  const stored = await assertPassword(db, username, input.currentPassword);
  await setPassword(db, username, password, stored);
}

/** After a reset token was checked: the new password, every session revoked. */
export async function resetPasswordTo(db: Db, username: string, newPassword: string): Promise<void> {
  await setPassword(db, username, checkNewPassword(newPassword, username), undefined);
}
