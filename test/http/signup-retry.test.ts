/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return */
/**
 * A keyed sign-up whose write applied but whose answer failed (the engine's reply lost after the
 * commit, injected on the real engine): the request fails, its Idempotency-Key is released, and
 * the phone retries with the same key. The retry gets the account it made and a session (201),
 * not USER_EXISTS for its own name; only that very request (same key, same body, within the
 * key's lifetime) is resumed so.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/schema/keys.js';
import { answerFaults } from './answer-faults.js';
import { profile, startApi, type Api } from './support.js';

let api: Api;
const faults = answerFaults();

beforeAll(async () => {
  api = await startApi({}, { wrapDoc: faults.wrap });
});

afterAll(async () => {
  await api?.close();
});

/** Signs `username` up with `key`, its answer lost after the write: the account exists, the caller got an error. */
async function lostSignUp(username: string, key: string): Promise<void> {
  faults.inject('lose');
  const first = await api.call('POST', '/v1/accounts', { json: profile(username), headers: { 'idempotency-key': key } });
  expect(faults.pending).toBe(false);
  expect(first.status).toBeGreaterThanOrEqual(500);
}

describe('a keyed sign-up retried after its write applied and its answer failed', () => {
  it('answers the account it made and a working session (201), and that answer is kept for the key', async () => {
    await lostSignUp('dora', 'signup-lost-answer-1');
    const retry = await api.call('POST', '/v1/accounts', { json: profile('dora'), headers: { 'idempotency-key': 'signup-lost-answer-1' } });
    expect([retry.status, retry.body.user?.username, retry.body.user?.email]).toEqual([201, 'dora', profile('dora').email]);
    expect(retry.headers.get('location')).toBe('/v1/me');
    const me = await api.call('GET', '/v1/me', { token: retry.body.session.accessToken });
    expect([me.status, me.body.username]).toEqual([200, 'dora']);
    // The next retry of the same request is the kept answer.
    const again = await api.call('POST', '/v1/accounts', { json: profile('dora'), headers: { 'idempotency-key': 'signup-lost-answer-1' } });
    expect([again.status, again.headers.get('idempotent-replayed'), again.body]).toEqual([201, 'true', retry.body]);
  });

  it('is the name taken (409) for any other request: no key, another key, or another body with the key', async () => {
    await lostSignUp('edgar', 'signup-lost-answer-2');
    const taken = async (body: unknown, headers: Record<string, string>) => {
      const answer = await api.call('POST', '/v1/accounts', { json: body, headers });
      return [answer.status, answer.body.error?.code];
    };
    expect(await taken(profile('edgar'), {})).toEqual([409, 'USER_EXISTS']);
    expect(await taken(profile('edgar'), { 'idempotency-key': 'signup-other-key-2' })).toEqual([409, 'USER_EXISTS']);
    expect(await taken({ ...profile('edgar'), password: 'another-Passw0rd-entirely' }, { 'idempotency-key': 'signup-lost-answer-2' })).toEqual([409, 'USER_EXISTS']);
    // And the request itself still resumes.
    const retry = await api.call('POST', '/v1/accounts', { json: profile('edgar'), headers: { 'idempotency-key': 'signup-lost-answer-2' } });
    expect(retry.status).toBe(201);
  });

  it('is the name taken (409) once the key would have expired', async () => {
    await lostSignUp('flora', 'signup-lost-answer-3');
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000).toISOString();
    await api.db.doc.send(new UpdateCommand({ TableName: api.db.table, Key: keys.credentials('flora'), UpdateExpression: 'SET createdAt = :t', ExpressionAttributeValues: { ':t': twoDaysAgo } }));
    const retry = await api.call('POST', '/v1/accounts', { json: profile('flora'), headers: { 'idempotency-key': 'signup-lost-answer-3' } });
    expect([retry.status, retry.body.error?.code]).toEqual([409, 'USER_EXISTS']);
  });
});
