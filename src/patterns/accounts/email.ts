/**
 * Email ownership: the one-account-per-email claim, verification, and password reset.
 *
 * Mailed tokens are `<username>.<256 random bits>`: unguessable, stored only as a hash in the
 * account's `TOKEN#<purpose>` item with an expiry, and deleted by the transaction that uses
 * them (single use). One live token per purpose: asking again replaces it, at most
 * MAIL_TOKENS_PER_HOUR times an hour per account.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import { normalizeEmail, ProfileFields, Username, validator } from '../../schema/entities.js';
import { User } from '../../schema/entities/index.js';
import { keys } from '../../schema/keys.js';
import { backoff, batchGet, call, isConditionFailure, transact, type Db } from '../db.js';
import { ACTIVE_USER, accountCheck, accountIdOf, activeUserCheck, inactiveUser } from '../guards.js';
import { getUser } from '../users.js';
import { resetPasswordTo } from './credentials.js';
import { claimHeld } from './claims.js';
import { checkNewPassword } from './passwords.js';

export type MailPurpose = 'verify-email' | 'reset-password';
export const MAIL_TOKEN_TTL_SECONDS: Record<MailPurpose, number> = { 'verify-email': 24 * 3600, 'reset-password': 3600 };
export /** Rounds of read-and-put a token request may lose to concurrent ones before giving up. */
const MAIL_TOKEN_ATTEMPTS = 8;
const MAIL_TOKENS_PER_HOUR = 3;

export const MailToken = Type.String({ minLength: 1, maxLength: 100, description: 'The code from the email' });
export const ResetRequest = Type.Object({ email: ProfileFields.email }, { additionalProperties: false });
export const ResetConfirm = Type.Object(
  { token: MailToken, password: Type.String({ minLength: 1, maxLength: 200, description: 'The new password (same rules as at sign-up)' }) },
  { additionalProperties: false },
);

const usernameCheck = validator(Username);
export const hashMailToken = (token: string): string => createHash('sha256').update(token).digest('base64url');
const hash = hashMailToken;
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** A new mailed token of the account: `<username>.<256 random bits>`. */
export const newMailToken = (username: string): string => `${username}.${randomBytes(32).toString('base64url')}`;

/** The account a mailed token names; INVALID_MAIL_TOKEN when it is not of the mailed form. */
export function mailTokenAccount(token: string): string {
  const cut = token.lastIndexOf('.');
  const username = token.slice(0, cut);
  if (cut <= 0 || !usernameCheck.check(username) || !/^[A-Za-z0-9_-]{43}$/.test(token.slice(cut + 1))) throw errors.invalidMailToken();
  return username;
}

/** Deletes of the account's pending verification and reset codes: they die with an email change. */
export const pendingCodeDeletes = (db: Db, username: string) =>
  (['verify-email', 'reset-password'] as const).map((purpose) => ({ Delete: { TableName: db.table, Key: keys.mailToken(username, purpose) } }));

export interface IssuedToken {
  username: string;
  email: string;
  token: string;
  expiresAt: number;
}

/** Earlier codes of the same address that stay good beside the newest (at most the hour's others). */
const EARLIER_KEPT = MAIL_TOKENS_PER_HOUR - 1;

/** The item's codes still unexpired, by hash: the newest and the earlier ones kept beside it. */
function liveCodes(item: Record<string, unknown>, now: number): [string, number][] {
  const earlier = item.earlier !== null && typeof item.earlier === 'object' ? Object.entries(item.earlier as Record<string, unknown>) : [];
  const all: [string, unknown][] = [...(typeof item.tokenHash === 'string' ? [[item.tokenHash, item.tokenExpiresAt] as [string, unknown]] : []), ...earlier];
  return all.flatMap(([h, exp]) => (Number(exp) > now ? [[h, Number(exp)] as [string, number]] : []));
}

/**
 * GetItem of the purpose's token item (for its hourly count), then a Put conditional on the
 * count it read (so concurrent requests cannot both pass the limit). Undefined when the
 * account has asked too often: the caller stays silent about it. The codes mailed before to the
 * same address stay good beside the new one (`earlier`, at most EARLIER_KEPT, each until its
 * own expiry): a phone that lost the answer and asks again, or a user who taps twice, gets a
 * second mail, and the first one still works. Any of them spends them all (single use).
 */
async function issueMailToken(db: Db, username: string, email: string, purpose: MailPurpose, account?: AccountOfToken): Promise<IssuedToken | undefined> {
  const key = keys.mailToken(username, purpose);
  // A lost race means another request counted first: read the new count and try again, so
  // concurrent requests are each counted once and the limit, not the race, decides.
  for (let attempt = 0; attempt < MAIL_TOKEN_ATTEMPTS; attempt++) {
    const now = nowSeconds();
    const old = (await call(db, 'issueMailToken', () => db.doc.send(new GetCommand({ TableName: db.table, Key: key, ConsistentRead: true })))).Item;
    const windowOpen = old !== undefined && Number(old.windowStart) > now - 3600;
    const requests = windowOpen ? Number(old.requests) + 1 : 1;
    if (requests > MAIL_TOKENS_PER_HOUR) return undefined;
    const token = newMailToken(username);
    const expiresAt = now + MAIL_TOKEN_TTL_SECONDS[purpose];
    // Kept only for the same address and the same account (a code of a deleted account of the name is not).
    const sameHolder = old !== undefined && old.email === email && (account === undefined || old.accountId === (account.accountId ?? ''));
    const kept = sameHolder ? liveCodes(old, now).sort((a, b) => b[1] - a[1]).slice(0, EARLIER_KEPT) : [];
    const earlier = kept.length > 0 ? { earlier: Object.fromEntries(kept) } : {};
    try {
      await call(db, 'issueMailToken', () =>
        db.doc.send(
          new PutCommand({
            TableName: db.table,
            Item: {
              ...key,
              tokenHash: hash(token),
              ...earlier,
              email,
              expiresAt: Math.max(expiresAt, now + 3600),
              tokenExpiresAt: expiresAt,
              requests,
              windowStart: windowOpen ? Number(old.windowStart) : now,
              ...(account === undefined ? {} : { accountId: account.accountId ?? '' }),
            },
            ConditionExpression: old === undefined ? 'attribute_not_exists(PK)' : 'requests = :seen',
            ...(old === undefined ? {} : { ExpressionAttributeValues: { ':seen': Number(old.requests) } }),
          }),
        ),
      );
      return { username, email, token, expiresAt };
    } catch (error) {
      if (!(isConditionFailure(error))) throw error;
      await backoff(attempt);
    }
  }
  return undefined;
}

/** The account a token is issued to: its immutable id, or none for an account made before ids. */
interface AccountOfToken {
  accountId: string | undefined;
}

/**
 * The ConditionCheck on the User item of the transaction that acts on a token: the user is
 * active and, for a token that names its account (`accountId`; '' for an account made before
 * ids), is that account. A token may outlive its account (its Put decided before the deletion
 * was marked, landing after the job swept the partition): it then works on no later account of
 * the name. A token from before accounts were named is checked for an active user only.
 */
function tokenAccountCheck(db: Db, username: string, accountId: string | undefined) {
  if (accountId === undefined) return activeUserCheck(db, username);
  return accountCheck(db, username, accountId === '' ? undefined : accountId);
}

/** GetItem of the token's item; INVALID_MAIL_TOKEN unless it is one of its live, unexpired codes. */
async function checkMailToken(db: Db, token: string, purpose: MailPurpose): Promise<{ username: string; email: string; tokenHash: string; accountId: string | undefined }> {
  const username = mailTokenAccount(token);
  const item = (await call(db, 'checkMailToken', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.mailToken(username, purpose), ConsistentRead: true })))).Item;
  const tokenHash = hash(token);
  const live = item === undefined ? [] : liveCodes(item, nowSeconds());
  const matches = live.some(([stored]) => stored.length === tokenHash.length && timingSafeEqual(Buffer.from(stored), Buffer.from(tokenHash)));
  if (!matches || typeof item?.email !== 'string') throw errors.invalidMailToken();
  return { username, email: item.email, tokenHash, accountId: typeof item.accountId === 'string' ? item.accountId : undefined };
}

/** The Delete that spends a token: part of the transaction that acts on it. */
const spend = (db: Db, username: string, purpose: MailPurpose, tokenHash: string) => ({
  Delete: {
    TableName: db.table,
    Key: keys.mailToken(username, purpose),
    // Keeps the item (and its hourly count) from being spent twice; REMOVE would keep the count, but a Delete is simpler to audit.
    ConditionExpression: 'tokenHash = :h OR attribute_exists(earlier.#h)',
    ExpressionAttributeNames: { '#h': tokenHash },
    ExpressionAttributeValues: { ':h': tokenHash },
  },
});

/** A verification token for the user's current email, or undefined (already verified, or asked too often). */
export async function requestEmailVerification(db: Db, username: string): Promise<IssuedToken | undefined> {
  const user = await getUser(db, username);
  if (user.emailVerified === true) return undefined;
  return issueMailToken(db, username, user.email, 'verify-email');
}

/**
 * GetItem of the token, then TransactWriteItems: its Delete (single use) + Update of the user
 * `SET emailVerified = true`, conditional on the user being active and still having the email
 * the token was sent to (a changed email needs its own verification) + Update of the
 * credentials' recoveryEmail.
 */
export async function verifyEmail(db: Db, token: string): Promise<string> {
  const { username, email, tokenHash } = await checkMailToken(db, token, 'verify-email');
  await transact(
    db,
    'verifyEmail',
    [
      spend(db, username, 'verify-email', tokenHash),
      {
        Update: {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: 'SET emailVerified = :yes',
          ConditionExpression: `${ACTIVE_USER} AND email = :email`,
          ExpressionAttributeValues: { ':yes': true, ':email': email },
        },
      },
      // A verified address becomes where password resets go while a later one is unverified.
      {
        Update: {
          TableName: db.table,
          Key: keys.credentials(username),
          UpdateExpression: 'SET recoveryEmail = :email',
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeValues: { ':email': email },
        },
      },
    ],
    () => errors.invalidMailToken(),
  );
  return username;
}

/**
 * Forgot password: GetItem of the email's claim; for an account, BatchGetItem of the user and
 * its credentials, and a reset token (rate-limited per account) mailed to the current address
 * only when it is verified. An unverified address (perhaps set by someone holding a stolen
 * token) gets nothing: the code goes to the recovery address instead (the last verified one,
 * else the sign-up address), if no other account claimed it since (one more GetItem).
 * Undefined otherwise, and the caller answers the same either way.
 */
export async function requestPasswordReset(db: Db, email: string): Promise<IssuedToken | undefined> {
  const owner = await claimOwner(db, email);
  if (owner === undefined) return undefined;
  const items = await batchGet(db, 'requestPasswordReset', [keys.user(owner), keys.credentials(owner)]);
  const userItem = items.find((item) => item.SK === keys.user(owner).SK);
  const recovery: unknown = items.find((item) => item.SK === keys.credentials(owner).SK)?.recoveryEmail;
  if (!userItem || userItem.deleting !== undefined) return undefined;
  const user = User.decode(userItem);
  const account = { accountId: accountIdOf(userItem) };
  if (user.emailVerified === true) return issueMailToken(db, owner, user.email, 'reset-password', account);
  // Accounts from before recovery addresses were kept have never changed their email since.
  if (recovery === undefined) return issueMailToken(db, owner, user.email, 'reset-password', account);
  if (typeof recovery !== 'string') return undefined;
  const recoveryOwner = normalizeEmail(recovery) === normalizeEmail(user.email) ? owner : await claimOwner(db, recovery);
  if (recoveryOwner !== undefined && recoveryOwner !== owner) return undefined;
  return issueMailToken(db, owner, recovery, 'reset-password', account);
}

/** GetItem of an address's claim: the account it belongs to, if any (a lapsed reservation is none). */
export async function claimOwner(db: Db, email: string): Promise<string | undefined> {
  const claim = (await call(db, 'claimOwner', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.emailClaim(normalizeEmail(email)) })))).Item;
  if (!claimHeld(claim)) return undefined;
  const username: unknown = claim?.username;
  return typeof username === 'string' && usernameCheck.check(username) ? username : undefined;
}

/**
 * Sets a new password with a reset token: the rules first, GetItem of the token, its Delete
 * (conditional on its hash: single use), then the password change, which revokes every session.
 */
export async function resetPassword(db: Db, token: string, newPassword: string): Promise<string> {
  const { username, tokenHash, accountId } = await checkMailToken(db, token, 'reset-password');
  checkNewPassword(newPassword, username);
  const account = tokenAccountCheck(db, username, accountId);
  await transact(db, 'resetPassword', [spend(db, username, 'reset-password', tokenHash), account], (failed, reasons) => {
    if (!failed(1)) return errors.invalidMailToken();
    // Another account of the name than the one the code was mailed for: the code is not its.
    const found = reasons[1]?.Item;
    if (accountId !== undefined && found !== undefined && found.deleting === undefined && found.suspendedAt === undefined) return errors.invalidMailToken();
    return inactiveUser(username, reasons[1]);
  });
  await resetPasswordTo(db, username, newPassword);
  return username;
}
