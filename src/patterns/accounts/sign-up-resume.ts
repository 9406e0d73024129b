/**
 * A keyed sign-up whose write applied but whose answer never left: the engine committed the
 * account and its first session, then the request failed (the reply lost, a timeout after the
 * commit). The HTTP layer releases the Idempotency-Key of a request that did not succeed, so the
 * phone's retry runs again and would find its own name taken (USER_EXISTS).
 *
 * The credentials remember the attempt that wrote them (`signUpAttempt`, given by the HTTP layer:
 * a keyed hash of the key and one of the whole request, password included, so the table holds
 * neither). The same attempt, while its key would still be kept, is signed in instead: the
 * account as written and a new session (the first one's tokens were never delivered; it expires
 * unused). Anything else is still USER_EXISTS.
 */
import { User } from '../../schema/entities/index.js';
import { normalizeUsername } from '../../schema/entities.js';
import { keys } from '../../schema/keys.js';
import { batchGet, type Db } from '../db.js';
import { accountIdOf } from '../guards.js';
import type { SignedUp } from './credentials.js';
import { createSession } from './sessions.js';

export interface SignUpAttempt {
  /** What identifies the request: its key's and its content's keyed hashes. */
  id: string;
  /** How long a key is kept: an attempt older than this is not resumed. */
  keptSeconds: number;
}

/** The account `attempt` wrote, signed in again; undefined when the name's account is not that attempt's. */
export async function resumeSignUp(db: Db, username: string, attempt: SignUpAttempt, ttlSeconds: number, device?: string): Promise<SignedUp | undefined> {
  const name = normalizeUsername(username);
  // Consistent: the attempt's write is what is looked for, however recent.
  const items = await batchGet(db, 'resumeSignUp', [keys.user(name), keys.credentials(name)], { consistent: true });
  const credentials = items.find((item) => item.SK === keys.credentials(name).SK);
  const profile = items.find((item) => item.SK === keys.user(name).SK);
  const accountId = accountIdOf(credentials);
  if (!credentials || !profile || profile.deleting !== undefined || accountId === undefined || accountIdOf(profile) !== accountId) return undefined;
  if (credentials.signUpAttempt !== attempt.id) return undefined;
  const writtenAt = Date.parse(String(credentials.createdAt));
  if (!(Date.now() - writtenAt <= attempt.keptSeconds * 1000)) return undefined;
  const session = await createSession(db, name, ttlSeconds, accountId, device);
  return { user: { ...User.decode(profile), accountId }, session };
}
