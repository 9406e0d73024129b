/**
 * Writes to an account's own partition that were decided before its deletion was marked and
 * land after the deletion job swept that partition (a request that read the account, then
 * hashed or mailed for a while): whatever they leave under the name works on nothing of a later
 * account of that name. Each race is made exact by holding the late write until the whole
 * deletion has run (an intercepted client, no timing).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isDomainError } from '../../src/errors.js';
import { actingAs } from '../../src/patterns/acting.js';
import { createSession, finishDeletion, getPushPreferences, requestPasswordReset, resetPassword, setPushPreferences, signUp, startAccountDeletion, verifyCredentials } from '../../src/patterns/index.js';
import type { Db } from '../../src/patterns/db.js';
import { intercept } from '../derived/support.js';
import { createTestDb, type TestDb } from '../support/db.js';

let db: TestDb;
const noFiles = { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() };
const code = async (promise: Promise<unknown>) => promise.then(() => 'ok', (e: unknown) => (isDomainError(e) ? e.code : String(e)));

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(async () => {
  await db.drop();
});

/** `db` whose first request of one of `commands` waits until `name` has been deleted to the end. */
function deletedBefore(commands: string[], name: string): Db {
  let done = false;
  return {
    ...db,
    doc: intercept(db.doc, '*', async (command) => {
      if (done || !commands.includes(command)) return;
      done = true;
      await startAccountDeletion(db, name);
      expect(await finishDeletion(db, name, noFiles)).toBe('done');
    }),
  };
}

describe('a mailed code issued as the account was being deleted', () => {
  it('does not reset the password of the next account of the name', async () => {
    await signUp(db, { username: 'handle', name: 'First', email: 'first@example.com', birthdate: '1990-01-01', password: 'first owner passphrase' });
    // The request read the account while it was active; its token's Put lands after the job.
    const issued = await requestPasswordReset(deletedBefore(['PutCommand'], 'handle'), 'first@example.com');
    expect(issued?.username).toBe('handle');

    await signUp(db, { username: 'handle', name: 'Second', email: 'second@example.com', birthdate: '1990-01-01', password: 'second owner passphrase' });
    expect(await code(resetPassword(db, issued!.token, 'taken over passphrase'))).toBe('INVALID_MAIL_TOKEN');
    expect(await verifyCredentials(db, { username: 'handle', password: 'second owner passphrase' })).toBe('handle');
  });
});

describe('push preferences written as the account was being deleted', () => {
  it('are refused, not left for the next account of the name', async () => {
    const first = await signUp(db, { username: 'quiet', name: 'First', email: 'quiet-first@example.com', birthdate: '1990-01-01', password: 'first owner passphrase' });
    const grant = await createSession(db, 'quiet', 3600, first.accountId);
    const session = { username: 'quiet', accountId: first.accountId, sessionId: grant.sessionId, issuedAt: Date.now() };
    // The request found its session live; its write lands after the deletion job swept the account's partition.
    const late = deletedBefore(['PutCommand', 'TransactWriteCommand'], 'quiet');
    expect(await code(actingAs(session, () => setPushPreferences(late, 'quiet', { reaction: false, follow: false })))).not.toBe('ok');

    await signUp(db, { username: 'quiet', name: 'Second', email: 'quiet-second@example.com', birthdate: '1990-01-01', password: 'second owner passphrase' });
    expect(await getPushPreferences(db, 'quiet')).toMatchObject({ reaction: true, follow: true });
  });
});
