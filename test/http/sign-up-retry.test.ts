/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/**
 * A sign-up that fails after its account was written must not leave the phone's keyed retry
 * facing USER_EXISTS for its own new account. The failure is the engine's: the transaction that
 * starts the first session is refused once (503, as an engine that is briefly away answers),
 * against the real engine. Afterwards nothing of the account is there, and the retry with the
 * same Idempotency-Key answers 201 with a working session.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DocClient } from '../../src/engine/doc-client.js';
import { keys, SESSION_PREFIX } from '../../src/schema/keys.js';
import { profile, startApi, type Api } from './support.js';

type Command = { constructor: { name: string }; input?: unknown };

/** The partition of the session a TransactWriteItems starts (its SESSION# Put), if it starts one. */
function sessionPartition(command: Command): string | undefined {
  if (command.constructor.name !== 'TransactWriteCommand') return undefined;
  const items = (command.input as { TransactItems?: { Put?: { Item?: { PK?: unknown; SK?: unknown } } }[] }).TransactItems ?? [];
  const put = items.find((item) => typeof item.Put?.Item?.SK === 'string' && item.Put.Item.SK.startsWith(SESSION_PREFIX))?.Put?.Item;
  return typeof put?.PK === 'string' ? put.PK : undefined;
}

/** Refuses the next session-starting transaction of each of `names` (once), as an unavailable engine does. */
function failingFirstSession(doc: DocClient, names: Set<string>): DocClient {
  return {
    send: (async (command: Command, ...rest: unknown[]) => {
      const partition = sessionPartition(command);
      const name = [...names].find((username) => keys.session(username, 'x').PK === partition);
      if (name !== undefined) {
        names.delete(name);
        throw Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable', $metadata: { httpStatusCode: 503 } });
      }
      return (doc.send as (...args: unknown[]) => Promise<unknown>)(command, ...rest);
    }) as DocClient['send'],
  };
}

describe('a sign-up whose first session fails', () => {
  let api: Api;
  const failing = new Set<string>();
  const item = async (key: { PK: string; SK: string }) => (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: key, ConsistentRead: true }))).Item;

  beforeAll(async () => {
    api = await startApi({}, { wrapDoc: (doc) => failingFirstSession(doc, failing) });
  });
  afterAll(async () => {
    await api.close();
  });

  it('leaves no account behind, and the keyed retry answers 201 with a working session', async () => {
    failing.add('nina');
    const headers = { 'idempotency-key': 'signup-0002-failed-session' };
    const failed = await api.call('POST', '/v1/accounts', { json: profile('nina'), headers });
    expect([failed.status, failed.body.error.code]).toEqual([503, 'ENGINE_UNAVAILABLE']);
    expect(failing.has('nina')).toBe(false);
    // All or nothing: no profile, no credentials, no email claim.
    expect(await item(keys.user('nina'))).toBeUndefined();
    expect(await item(keys.credentials('nina'))).toBeUndefined();
    expect(await item(keys.emailClaim('nina@example.com'))).toBeUndefined();

    const retried = await api.call('POST', '/v1/accounts', { json: profile('nina'), headers });
    expect(retried.status).toBe(201);
    expect(retried.body.user.username).toBe('nina');
    const me = await api.call('GET', '/v1/me', { token: retried.body.session.accessToken });
    expect([me.status, me.body.username]).toEqual([200, 'nina']);
    const refreshed = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: retried.body.session.refreshToken } });
    expect([refreshed.status, typeof refreshed.body.accessToken]).toEqual([200, 'string']);
    // The same key again replays the answer; without a key the name is taken, as before.
    const again = await api.call('POST', '/v1/accounts', { json: profile('nina'), headers });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', retried.body]);
    const unkeyed = await api.call('POST', '/v1/accounts', { json: profile('nina') });
    expect([unkeyed.status, unkeyed.body.error.code]).toEqual([409, 'USER_EXISTS']);
  });

  it('the account is written with its first session counted, once', async () => {
    const answer = await api.call('POST', '/v1/accounts', { json: profile('omar') });
    expect(answer.status).toBe(201);
    expect((await item(keys.credentials('omar')))?.sessionsStarted).toBe(1);
    const sessionId = (answer.body.session.refreshToken as string).split('.').at(-3)!;
    const session = await item(keys.session('omar', sessionId));
    const accountId = (await item(keys.user('omar')))?.accountId;
    expect(session?.accountId).toBe(accountId);
    // The access token names the account and the session, as a log-in's does.
    const claims = JSON.parse(Buffer.from((answer.body.session.accessToken as string).split('.')[1]!, 'base64url').toString('utf8'));
    expect([claims.sub, claims.aid, claims.sid]).toEqual(['omar', accountId, sessionId]);
  });
});
