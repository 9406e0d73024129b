/**
 * Accounts: credentials and refresh-token sessions, kept in ACCOUNT# partitions (see keys.ts)
 * that no access pattern reads, so nothing here can leak through a profile or a list.
 *
 * Passwords are hashed with scrypt (memory-hard) and a per-user salt; refresh tokens are
 * random and stored only as a SHA-256 hash, so a table dump yields no usable secret.
 */
import { createHash, randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { DeleteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { Type, type Static } from 'typebox';
import { errors } from '../errors.js';
import { assertUsername, NewUser, Username, validator, type User } from '../schema/entities.js';
import { encodeUser } from '../schema/items.js';
import { keys } from '../schema/keys.js';
import { call, transact, type Db } from './db.js';
import { buildNewUser } from './users.js';

export const Password = Type.String({ minLength: 8, maxLength: 200, description: '8-200 characters' });

// A new account has no photos to pin.
const { pinnedImage: _pinned, ...signUpProfile } = NewUser.properties;

/** Sign-up: the profile fields of NewUser (same rules) plus the password. */
export const SignUp = Type.Object({ ...signUpProfile, password: Password }, { additionalProperties: false, title: 'SignUpRequest' });
export type SignUp = Static<typeof SignUp>;

export const Credentials = Type.Object(
  { username: Username, password: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false, title: 'Credentials' },
);
export type Credentials = Static<typeof Credentials>;

const signUpCheck = validator(SignUp);
const credentialsCheck = validator(Credentials);
const usernameCheck = validator(Username);

// N = 2^15, r = 8: 32 MiB per hash, the cost OWASP suggests for scrypt.
const SCRYPT = { N: 32_768, r: 8, p: 1, keyLength: 64, maxmem: 64 * 1024 * 1024 };

function scrypt(password: string, salt: Buffer, keyLength: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCallback(password, salt, keyLength, options, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time check against a stored `scrypt$N$r$p$salt$hash`; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** The credentials item of a user (sample data writes these too, with one shared demo hash). */
export function credentialsItem(username: string, passwordHash: string) {
  return { ...keys.credentials(username), username, passwordHash, createdAt: new Date().toISOString() };
}

// Unknown usernames are checked against this, so a failed login costs the same either way.
let decoyHash: Promise<string> | undefined;

/**
 * One TransactWriteItems: the user Put (`attribute_not_exists(PK)`, as createUser) and the
 * credentials Put. Either both exist afterwards or neither does.
 */
export async function signUp(db: Db, input: unknown): Promise<User> {
  const { password, ...profile } = signUpCheck.assert(input, 'sign-up');
  const user = buildNewUser(profile);
  const passwordHash = await hashPassword(password);
  await transact(
    db,
    [
      { Put: { TableName: db.table, Item: encodeUser(user), ConditionExpression: 'attribute_not_exists(PK)' } },
      {
        Put: {
          TableName: db.table,
          Item: credentialsItem(user.username, passwordHash),
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      },
    ],
    () => errors.userExists(user.username),
  );
  return user;
}

/** Returns the username when the password matches; INVALID_CREDENTIALS otherwise (same for unknown users). */
export async function verifyCredentials(db: Db, input: unknown): Promise<string> {
  const { username, password } = credentialsCheck.assert(input, 'credentials');
  const result = await call(db, () =>
    db.doc.send(new GetCommand({ TableName: db.table, Key: keys.credentials(username), ConsistentRead: true })),
  );
  const stored: unknown = result.Item?.passwordHash;
  if (typeof stored !== 'string') {
    decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
    await verifyPassword(password, await decoyHash);
    throw errors.invalidCredentials();
  }
  if (!(await verifyPassword(password, stored))) throw errors.invalidCredentials();
  return username;
}

export interface RefreshGrant {
  username: string;
  /** `<username>.<sessionId>.<secret>`: opaque to clients; only its hash is stored. */
  refreshToken: string;
  /** Epoch seconds. */
  expiresAt: number;
}

const tokenHash = (token: string): string => createHash('sha256').update(token).digest('base64url');
const nowSeconds = (): number => Math.floor(Date.now() / 1000);

function newSession(db: Db, username: string, ttlSeconds: number) {
  const sessionId = randomBytes(12).toString('base64url');
  const refreshToken = `${username}.${sessionId}.${randomBytes(32).toString('base64url')}`;
  const expiresAt = nowSeconds() + ttlSeconds;
  const put = {
    Put: {
      TableName: db.table,
      // expiresAt doubles as the table's TTL attribute: expired sessions can be reaped by the engine.
      Item: { ...keys.session(username, sessionId), tokenHash: tokenHash(refreshToken), expiresAt, createdAt: new Date().toISOString() },
      ConditionExpression: 'attribute_not_exists(SK)',
    },
  };
  return { grant: { username, refreshToken, expiresAt }, put };
}

function parseRefreshToken(token: unknown): { username: string; sessionId: string; token: string } {
  if (typeof token !== 'string' || token.length > 300) throw errors.invalidRefreshToken();
  const parts = token.split('.');
  if (parts.length < 3) throw errors.invalidRefreshToken();
  const sessionId = parts.at(-2) ?? '';
  const username = parts.slice(0, -2).join('.');
  if (!usernameCheck.check(username) || !/^[A-Za-z0-9_-]{16}$/.test(sessionId)) throw errors.invalidRefreshToken();
  return { username, sessionId, token };
}

/** Starts a session for a signed-in user: one conditional Put of its hashed refresh token. */
export async function createSession(db: Db, username: string, ttlSeconds: number): Promise<RefreshGrant> {
  assertUsername(username);
  const { grant, put } = newSession(db, username, ttlSeconds);
  await transact(
    db,
    [put, { ConditionCheck: { TableName: db.table, Key: keys.credentials(username), ConditionExpression: 'attribute_exists(PK)' } }],
    () => errors.invalidCredentials(),
  );
  return grant;
}

/**
 * Rotation in one TransactWriteItems: Delete of the presented session (conditional on its
 * hash matching and it not having expired) + Put of the new one. A token that was already
 * rotated or revoked no longer has an item, so replaying it fails.
 */
export async function rotateSession(db: Db, refreshToken: unknown, ttlSeconds: number): Promise<RefreshGrant> {
  const old = parseRefreshToken(refreshToken);
  const { grant, put } = newSession(db, old.username, ttlSeconds);
  await transact(
    db,
    [
      {
        Delete: {
          TableName: db.table,
          Key: keys.session(old.username, old.sessionId),
          ConditionExpression: 'tokenHash = :h AND expiresAt > :now',
          ExpressionAttributeValues: { ':h': tokenHash(old.token), ':now': nowSeconds() },
        },
      },
      put,
      { ConditionCheck: { TableName: db.table, Key: keys.credentials(old.username), ConditionExpression: 'attribute_exists(PK)' } },
    ],
    () => errors.invalidRefreshToken(),
  );
  return grant;
}

/** Log out: deletes the session, conditional on the token's hash matching. */
export async function revokeSession(db: Db, refreshToken: unknown): Promise<void> {
  const old = parseRefreshToken(refreshToken);
  try {
    await call(db, () =>
      db.doc.send(
        new DeleteCommand({
          TableName: db.table,
          Key: keys.session(old.username, old.sessionId),
          ConditionExpression: 'tokenHash = :h',
          ExpressionAttributeValues: { ':h': tokenHash(old.token) },
        }),
      ),
    );
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') throw errors.invalidRefreshToken();
    throw error;
  }
}
