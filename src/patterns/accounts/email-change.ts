/**
 * Changing the email, and undoing a change from the address it replaced.
 *
 * A change needs the current password (checked and throttled per session), kills the
 * pending verification and reset codes, keeps the address the account had before as its
 * recovery address (where resets go until the new one is verified), and gives the replaced
 * address an undo code valid for 7 days, and keeps that address reserved to the account for
 * those 7 days (its claim stays, marked `reservedUntil`), so the undo always finds it free. The codes live in one `TOKEN#undo-email` item, at
 * most UNDO_KEPT of them, each restoring the address it was mailed to.
 *
 * Undoing sets a new password first (whoever changed the email knew the old one) and so ends
 * every session, then restores the address as verified (the code reached it) and spends every
 * undo code of the account.
 */
import { timingSafeEqual } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import { normalizeEmail, ProfileUpdate, validator } from '../../schema/entities.js';
import { User } from '../../schema/entities/index.js';
import { keys } from '../../schema/keys.js';
import { call, RETRY, transact, type Db } from '../db.js';
import { actingFor, sessionLive } from '../acting.js';
import { ACTIVE_USER, activeFor } from '../guards.js';
import { getUser, updateUser } from '../users.js';
import { checkSessionPassword, resetPasswordTo } from './credentials.js';
import { RESERVATION_OVER } from './claims.js';
import { claimOwner, hashMailToken, mailTokenAccount, MailToken, newMailToken, pendingCodeDeletes } from './email.js';
import type { Step } from './deletion-steps.js';
import { checkNewPassword } from './passwords.js';
import { recordFailure } from './throttles.js';

export const UNDO_EMAIL_CHANGE_SECONDS = 7 * 24 * 3600;
/** Undo codes kept per account: one per change within the week, the oldest dropped first. */
const UNDO_KEPT = 5;
const UNDO = 'undo-email';

export const UndoEmailChange = Type.Object(
  {
    token: MailToken,
    newPassword: Type.String({ minLength: 1, maxLength: 200, description: 'The new password (same rules as at sign-up): whoever changed the email knew the old one' }),
  },
  { additionalProperties: false, title: 'UndoEmailChange' },
);

interface UndoEntry {
  /** Hash of the mailed code. */
  h: string;
  /** The address the code restores (the one it was mailed to). */
  email: string;
  exp: number;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const profileUpdate = validator(ProfileUpdate);

/** GetItem (consistent) of the account's undo codes: the live ones and the version they were read at. */
async function readUndo(db: Db, username: string): Promise<{ entries: UndoEntry[]; version: number | undefined }> {
  const item = (await call(db, 'readUndo', () => db.doc.send(new GetCommand({ TableName: db.table, Key: keys.mailToken(username, UNDO), ConsistentRead: true })))).Item;
  const raw: unknown = item?.entries;
  const now = nowSeconds();
  const entries = (Array.isArray(raw) ? (raw as Partial<UndoEntry>[]) : []).filter(
    (e): e is UndoEntry => typeof e.h === 'string' && typeof e.email === 'string' && Number(e.exp) > now,
  );
  return { entries, version: item === undefined ? undefined : Number(item.version ?? 0) };
}

const versionCondition = (version: number | undefined) =>
  version === undefined
    ? { ConditionExpression: 'attribute_not_exists(PK)' }
    : { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': version } };

export interface EmailChange {
  /** The address replaced: it is told, with the undo code. */
  previous: string;
  undoToken: string;
}

/**
 * Updates the caller's profile. Without a new email this is updateUser. A new email needs
 * `currentPassword` (PASSWORD_REQUIRED, WRONG_PASSWORD, PASSWORD_THROTTLED), then GetItem of
 * the undo codes and one TransactWriteItems: the user Update (new email, unverified;
 * conditional on the user being active and still having the old email), Put of the new claim
 * (`attribute_not_exists(PK)`), Delete of the old claim (if this account's), Update of the
 * credentials' recoveryEmail (kept if set), Deletes of the pending verification and reset
 * codes, and Put of the undo codes (conditional on the version read).
 */
export async function updateProfile(
  db: Db,
  username: string,
  input: unknown,
  auth: { sessionId: string | undefined; currentPassword: string | undefined },
): Promise<{ user: User; change?: EmailChange }> {
  const update = profileUpdate.assert(input, 'profile update');
  const current = await getUser(db, username);
  if (update.email === undefined || normalizeEmail(update.email) === normalizeEmail(current.email)) {
    return { user: await updateUser(db, username, input) };
  }
  if (auth.currentPassword === undefined) throw errors.passwordRequired();
  await checkSessionPassword(db, username, auth.sessionId, auth.currentPassword);
  const { email, ...rest } = update;
  const user = Object.keys(rest).length > 0 ? await updateUser(db, username, rest) : current;
  const undo = await readUndo(db, username);
  const undoToken = newMailToken(username);
  const all = [...undo.entries, { h: hashMailToken(undoToken), email: current.email, exp: nowSeconds() + UNDO_EMAIL_CHANGE_SECONDS }];
  const entries = all.slice(-UNDO_KEPT);
  // An address whose undo code is dropped is reserved for nothing: released, so that one account
  // holds at most UNDO_KEPT reserved addresses (none of them the new one, nor one still undoable).
  const kept = new Set([normalizeEmail(email), ...entries.map((e) => normalizeEmail(e.email))]);
  const released = [...new Set(all.slice(0, -UNDO_KEPT).map((e) => normalizeEmail(e.email)))].filter((address) => !kept.has(address));
  const items = [
    {
      Update: activeFor(username, {
        TableName: db.table,
        Key: keys.user(username),
        UpdateExpression: 'SET email = :new, emailVerified = :no',
        ConditionExpression: `${ACTIVE_USER} AND email = :old`,
        ExpressionAttributeValues: { ':new': email, ':no': false, ':old': current.email },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const,
      }),
    },
    {
      // Free, or this account's own (an address it replaced, reserved to it): EMAIL_TAKEN otherwise.
      Put: {
        TableName: db.table,
        Item: { ...keys.emailClaim(normalizeEmail(email)), username, createdAt: new Date().toISOString() },
        ConditionExpression: `attribute_not_exists(PK) OR username = :me OR ${RESERVATION_OVER}`,
        ExpressionAttributeValues: { ':me': username, ':now': nowSeconds() },
      },
    },
    reserveClaim(db, username, current.email),
    recoveryUpdate(db, username, 'SET recoveryEmail = if_not_exists(recoveryEmail, :email)', current.email),
    ...pendingCodeDeletes(db, username),
    {
      Put: {
        TableName: db.table,
        Item: { ...keys.mailToken(username, UNDO), entries, version: (undo.version ?? 0) + 1, expiresAt: Math.max(...entries.map((e) => e.exp)) },
        ...versionCondition(undo.version),
      },
    },
  ];
  const change = (releases: string[]) =>
    transact(
      db,
      'updateProfile',
      [
        ...items,
        ...releases.map((address) => ({
          Delete: { TableName: db.table, Key: keys.emailClaim(address), ConditionExpression: 'username = :me AND attribute_exists(reservedUntil)', ExpressionAttributeValues: { ':me': username } },
        })),
      ],
      (failed, reasons) => {
        if (failed(1)) return errors.emailTaken();
        const acting = actingFor(username);
        if (failed(0) && acting && !sessionLive(reasons[0]?.Item, acting)) return errors.sessionEnded();
        if (failed(0) && reasons[0]?.Item?.deleting !== undefined) return errors.accountDeleted(username);
        // A dropped address the account no longer holds (taken since its reservation lapsed, or from before reservations): left alone.
        if (releases.some((_, i) => failed(items.length + i))) return RETRY;
        return errors.transactionConflict();
      },
    );
  if (!(await change(released))) await change([]);
  return { user: User.decode({ ...user, email, emailVerified: false }), change: { previous: current.email, undoToken } };
}

/**
 * The replaced address stays this account's for the undo window: its claim is kept, marked
 * `reservedUntil` (epoch s; also the table's TTL attribute `expiresAt`, so the engine reaps it
 * later), so no one can sign up with it or move to it and the undo cannot find it taken.
 */
const reserveClaim = (db: Db, username: string, email: string) => {
  const until = nowSeconds() + UNDO_EMAIL_CHANGE_SECONDS;
  return {
    Update: {
      TableName: db.table,
      Key: keys.emailClaim(normalizeEmail(email)),
      UpdateExpression: 'SET username = :me, reservedUntil = :until, expiresAt = :until',
      ConditionExpression: 'attribute_not_exists(PK) OR username = :me',
      ExpressionAttributeValues: { ':me': username, ':until': until },
    },
  };
};

/** Delete of an address's claim, if it is this account's. */
const releaseClaim = (db: Db, username: string, email: string) => ({
  Delete: {
    TableName: db.table,
    Key: keys.emailClaim(normalizeEmail(email)),
    ConditionExpression: 'attribute_not_exists(PK) OR username = :me',
    ExpressionAttributeValues: { ':me': username },
  },
});

const recoveryUpdate = (db: Db, username: string, expression: string, email: string) => ({
  Update: {
    TableName: db.table,
    Key: keys.credentials(username),
    UpdateExpression: expression,
    ConditionExpression: 'attribute_exists(PK)',
    ExpressionAttributeValues: { ':email': email },
  },
});

/**
 * Undo with a code mailed to a replaced address: the code checked (GetItem of the undo codes),
 * the new password set (every session ends), then one TransactWriteItems: the user Update
 * (the address back, verified), Put of its claim (free or already this account's), Delete of
 * the current one's, the recovery address, Deletes of pending codes and of every undo code
 * (conditional on the version read: single use). EMAIL_TAKEN if another account claimed the
 * address meanwhile (the new password stands). Returns the username.
 */
export async function undoEmailChange(db: Db, token: string, newPassword: string): Promise<string> {
  const username = mailTokenAccount(token);
  const undo = await readUndo(db, username);
  const presented = Buffer.from(hashMailToken(token));
  const entry = undo.entries.find((e) => e.h.length === presented.length && timingSafeEqual(Buffer.from(e.h), presented));
  if (!entry) throw errors.invalidMailToken();
  checkNewPassword(newPassword, username);
  const user = await getUser(db, username);
  await resetPasswordTo(db, username, newPassword);
  const moving = normalizeEmail(entry.email) !== normalizeEmail(user.email);
  await transact(
    db,
    'undoEmailChange',
    [
      {
        Update: {
          TableName: db.table,
          Key: keys.user(username),
          UpdateExpression: 'SET email = :back, emailVerified = :yes',
          ConditionExpression: `${ACTIVE_USER} AND email = :current`,
          ExpressionAttributeValues: { ':back': entry.email, ':yes': true, ':current': user.email },
        },
      },
      {
        Delete: { TableName: db.table, Key: keys.mailToken(username, UNDO), ...versionCondition(undo.version) },
      },
      recoveryUpdate(db, username, 'SET recoveryEmail = :email', entry.email),
      ...pendingCodeDeletes(db, username),
      ...(moving
        ? [
            {
              // Free, or this account's (reserved since the change): the Put ends the reservation.
              Put: {
                TableName: db.table,
                Item: { ...keys.emailClaim(normalizeEmail(entry.email)), username, createdAt: new Date().toISOString() },
                ConditionExpression: `attribute_not_exists(PK) OR username = :me OR ${RESERVATION_OVER}`,
                ExpressionAttributeValues: { ':me': username, ':now': nowSeconds() },
              },
            },
            releaseClaim(db, username, user.email),
          ]
        : []),
    ],
    (failed) => {
      if (failed(1)) return errors.invalidMailToken();
      if (moving && failed(5)) return errors.emailTaken();
      return errors.transactionConflict();
    },
  );
  return username;
}

/**
 * Someone was told an address is taken: GetItem of its claim, then one failure counted on the
 * owner's EMAIL-TAKEN throttle. Returns the address to tell when this is the first such answer
 * of the window (so the owner gets at most one such mail per 15 minutes), else undefined.
 */
export async function recordEmailProbe(db: Db, email: string): Promise<string | undefined> {
  const owner = await claimOwner(db, email);
  if (owner === undefined) return undefined;
  const failures = await recordFailure(db, keys.emailProbes(owner));
  return failures === 1 ? normalizeEmail(email) : undefined;
}

/**
 * The deletion job's step for the addresses the account replaced: each one still reserved to it
 * (GetItem of the undo codes, which name them) is released, so a later account of the same
 * name inherits no address and the address is free at once. One conditional Delete each
 * (`username = :me AND attribute_exists(reservedUntil)`): an address someone else holds by
 * now is left alone.
 */
export async function releaseReservedAddresses(db: Db, username: string, step: Step): Promise<void> {
  const { entries } = await readUndo(db, username);
  for (const email of new Set(entries.map((e) => normalizeEmail(e.email)))) {
    await step('reserved address', [
      {
        Delete: {
          TableName: db.table,
          Key: keys.emailClaim(email),
          ConditionExpression: 'username = :me AND attribute_exists(reservedUntil)',
          ExpressionAttributeValues: { ':me': username },
        },
      },
    ]);
  }
}
