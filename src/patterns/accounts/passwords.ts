/**
 * Password rules and hashing. A password is Unicode-normalised (NFKC) before it is checked or
 * hashed, so the same characters typed on two keyboards are the same password. New passwords
 * need 8 characters, not only spaces, not the username, and not one of the most common
 * passwords (the list zxcvbn-ts ships, from leaked-password corpora).
 *
 * Hashes are scrypt (memory-hard) with a per-user salt, through the bounded gate in hashing.ts.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';
import { Type } from 'typebox';
import { errors } from '../../errors.js';
import { boundedScrypt, hashCost } from './hashing.js';

export const MIN_PASSWORD_LENGTH = 8;

export const Password = Type.String({
  minLength: 1,
  maxLength: 200,
  description: `At least ${MIN_PASSWORD_LENGTH} characters (after Unicode NFKC normalisation), not only spaces, not a common password`,
});

let common: Set<string> | undefined;

/** The package's list, lower case, loaded on first use (about 50,000 entries). */
function commonPasswords(): Set<string> {
  common ??= new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  return common;
}

export const normalizePassword = (password: string): string => password.normalize('NFKC');

/** The normalised password, or WEAK_PASSWORD saying what is wrong with it. */
export function checkNewPassword(raw: string, username?: string): string {
  const password = normalizePassword(raw);
  if ([...password].length < MIN_PASSWORD_LENGTH) throw errors.weakPassword(`must have at least ${MIN_PASSWORD_LENGTH} characters`);
  if (password.trim().length === 0) throw errors.weakPassword('must not be only spaces');
  const lower = password.toLowerCase();
  if (username !== undefined && lower === username.toLowerCase()) throw errors.weakPassword('must not be your username');
  if (commonPasswords().has(lower) || commonPasswords().has(lower.trim())) throw errors.weakPassword('is one of the most common passwords');
  return password;
}

// r = 8; N = 2^cost (2^15 by default: 32 MiB per hash, the cost OWASP suggests for scrypt).
const SCRYPT = { r: 8, p: 1, keyLength: 64, maxmem: 64 * 1024 * 1024 };

/** Hashes an already normalised password at the configured cost (hashing.ts). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const N = 2 ** hashCost();
  const hash = await boundedScrypt(password, salt, SCRYPT.keyLength, { N, r: SCRYPT.r, p: SCRYPT.p, maxmem: SCRYPT.maxmem });
  return ['scrypt', N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

/** Constant-time check against a stored `scrypt$N$r$p$salt$hash`; false for any malformed hash. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await boundedScrypt(normalizePassword(password), Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: SCRYPT.maxmem,
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

// Unknown usernames are checked against this, so a failed log-in costs the same either way.
let decoyHash: Promise<string> | undefined;

export async function spendDecoyHash(password: string): Promise<void> {
  decoyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(password, await decoyHash);
}
