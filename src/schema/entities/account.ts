/**
 * The account's private items (src/patterns/accounts/): credentials, sessions, mailed tokens,
 * throttles, the email claim and the deletion job. None is in a lab query's key range.
 */
import { Type } from 'typebox';
import { defineEntity, type EntityType } from '../entity.js';
import { keys } from '../keys.js';

/** Epoch seconds; the table's TTL attribute wherever an item carries it. */
const EpochSeconds = Type.Number();

export const Credentials = defineEntity({
  name: 'Credentials',
  kind: 'credentials',
  attributes: {
    username: Type.String(),
    passwordHash: Type.String(),
    createdAt: Type.String(),
    recoveryEmail: Type.Optional(Type.String()),
    /** The account's immutable id (absent on accounts made before ids). */
    accountId: Type.Optional(Type.String()),
    passwordChangedAt: Type.Optional(Type.String()),
    /** Sessions started since they were last counted: never below the live ones, at most SESSIONS_PER_ACCOUNT (src/patterns/accounts/sessions.ts). */
    sessionsStarted: Type.Optional(Type.Integer({ minimum: 0 })),
    /** A mark each count of the sessions changes, so that two counts racing cannot both apply. */
    sessionsCounted: Type.Optional(Type.String()),
  },
  key: (c) => keys.credentials(c.username),
});
export type Credentials = EntityType<typeof Credentials>;

/** A refresh-token family: one per signed-in device. */
export const Session = defineEntity({
  name: 'Session',
  kind: 'session',
  attributes: {
    currentHash: Type.String(),
    previousHash: Type.Optional(Type.String()),
    salt: Type.Optional(Type.String()),
    generation: Type.Integer(),
    expiresAt: EpochSeconds,
    createdAt: Type.String(),
    rotatedAt: Type.Optional(EpochSeconds),
    accountId: Type.Optional(Type.String()),
  },
  keyParts: { username: Type.String(), sessionId: Type.String() },
  key: (s) => keys.session(s.username, s.sessionId),
});
export type Session = EntityType<typeof Session>;

/**
 * A mailed single-use token of one purpose with its hourly request count; the email-change
 * undo codes live in a token item of their own (`entries`, `version`).
 */
export const MailToken = defineEntity({
  name: 'MailToken',
  kind: 'mailToken',
  attributes: {
    tokenHash: Type.Optional(Type.String()),
    email: Type.Optional(Type.String()),
    expiresAt: EpochSeconds,
    tokenExpiresAt: Type.Optional(EpochSeconds),
    /** Codes mailed earlier to the same address, still good beside the newest: hash -> its expiry (at most 2). */
    earlier: Type.Optional(Type.Record(Type.String(), EpochSeconds)),
    requests: Type.Optional(Type.Integer()),
    windowStart: Type.Optional(EpochSeconds),
    entries: Type.Optional(Type.Array(Type.Object({ h: Type.String(), email: Type.String(), exp: EpochSeconds }))),
    /** A reset code's account: its immutable id ('' for an account made before ids); the code works on that account only. */
    accountId: Type.Optional(Type.String()),
    version: Type.Optional(Type.Integer()),
  },
  keyParts: { username: Type.String(), purpose: Type.String() },
  key: (t) => keys.mailToken(t.username, t.purpose),
});
export type MailToken = EntityType<typeof MailToken>;

/** What every throttle counts (src/patterns/accounts/throttles.ts): failures in a window, and a lock. */
const throttleAttributes = {
  failures: Type.Integer(),
  windowStart: EpochSeconds,
  expiresAt: EpochSeconds,
  lockedUntil: Type.Optional(EpochSeconds),
};

export const LoginThrottle = defineEntity({
  name: 'LoginThrottle',
  kind: 'loginThrottle',
  attributes: throttleAttributes,
  keyParts: { username: Type.String() },
  key: (t) => keys.loginThrottle(t.username),
});
export type LoginThrottle = EntityType<typeof LoginThrottle>;

export const PasswordThrottle = defineEntity({
  name: 'PasswordThrottle',
  kind: 'passwordThrottle',
  attributes: throttleAttributes,
  keyParts: { username: Type.String(), sessionId: Type.String() },
  key: (t) => keys.passwordThrottle(t.username, t.sessionId),
});
export type PasswordThrottle = EntityType<typeof PasswordThrottle>;

export const EmailProbes = defineEntity({
  name: 'EmailProbes',
  kind: 'emailProbes',
  attributes: throttleAttributes,
  keyParts: { username: Type.String() },
  key: (t) => keys.emailProbes(t.username),
});
export type EmailProbes = EntityType<typeof EmailProbes>;

/** Claims a lower-case email for one account: its conditional Put is the uniqueness check. */
export const EmailClaim = defineEntity({
  name: 'EmailClaim',
  kind: 'emailClaim',
  attributes: {
    username: Type.String(),
    createdAt: Type.String(),
    accountId: Type.Optional(Type.String()),
  },
  keyParts: { email: Type.String() },
  key: (c) => keys.emailClaim(c.email),
});
export type EmailClaim = EntityType<typeof EmailClaim>;

export const DeletionJob = defineEntity({
  name: 'DeletionJob',
  kind: 'deletionJob',
  attributes: { username: Type.String(), startedAt: Type.String() },
  key: (job) => keys.deletionJob(job.username),
});
export type DeletionJob = EntityType<typeof DeletionJob>;
