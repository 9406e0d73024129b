/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * GET /v1/me/sessions and DELETE /v1/me/sessions/{sessionId}: where you are logged in, and
 * logging one device out (its refresh token and its access tokens refused at once), without
 * showing token material or storage keys, and never another user's sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createSession, deviceSummary, DEVICE_MAX, listSessions, SESSIONS_PER_ACCOUNT, suspendUser, unsuspendUser } from '../../src/patterns/index.js';
import { accountPartition, keys, SESSION_PREFIX } from '../../src/schema/keys.js';
import { profile, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const PHONE = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36';

beforeAll(async () => {
  api = await startApi();
});

afterAll(async () => {
  await api.close();
});

async function logIn(username: string, userAgent: string): Promise<Session> {
  const answer = await api.call('POST', '/v1/sessions', { json: { username, password: profile(username).password }, headers: { 'user-agent': userAgent } });
  expect(answer.status).toBe(201);
  return { username, accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken };
}
const list = (session: Session) => api.call('GET', '/v1/me/sessions', { token: session.accessToken });
const end = (session: Session, id: string) => api.call('DELETE', `/v1/me/sessions/${id}`, { token: session.accessToken });

describe('the sessions list', () => {
  it('lists each log-in with its device, marks the current one, and shows no token material or key', async () => {
    const signedUp = await signUp(api, 'traveller');
    const laptop = await logIn('traveller', FIREFOX);
    const phone = await logIn('traveller', PHONE);
    const answer = await list(laptop);
    expect(answer.status).toBe(200);
    const items = answer.body.items as any[];
    expect(items).toHaveLength(3);
    expect(items.filter((s) => s.current).map((s) => s.device)).toEqual(['Firefox on Linux']);
    expect(items.map((s) => s.device).sort()).toEqual(['Chrome on Android', 'Firefox on Linux', 'Node.js']);
    for (const item of items) expect(Object.keys(item).sort()).toEqual(['createdAt', 'current', 'device', 'expiresAt', 'id', 'lastUsedAt']);
    const text = answer.bytes.toString('utf8');
    for (const session of [signedUp, laptop, phone]) {
      const [, familyId, , secret] = session.refreshToken.split('.');
      expect(text).not.toContain(familyId);
      expect(text).not.toContain(secret);
    }
    for (const key of ['ACCOUNT#', 'SESSION#', 'Hash', 'salt']) expect(text).not.toContain(key);
    // A refresh is a use: that session moves to the top.
    const refreshed = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken }, headers: { 'user-agent': PHONE } });
    expect(refreshed.status).toBe(200);
    const after = (await list(laptop)).body.items as any[];
    expect(after.map((s) => s.id).sort()).toEqual(items.map((s) => s.id).sort());
    expect(after[0].device).toBe('Chrome on Android');
  });

  it('logging one session out refuses its refresh token and its access token at once; the others stay', async () => {
    await signUp(api, 'twodevices');
    const laptop = await logIn('twodevices', FIREFOX);
    const phone = await logIn('twodevices', PHONE);
    const phoneId = ((await list(laptop)).body.items as any[]).find((s) => s.device === 'Chrome on Android').id;
    expect((await end(laptop, phoneId)).status).toBe(204);
    const read = await api.call('GET', '/v1/me', { token: phone.accessToken });
    expect([read.status, read.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const refresh = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken } });
    expect([refresh.status, refresh.body.error.code]).toEqual([401, 'INVALID_REFRESH_TOKEN']);
    expect((await api.call('GET', '/v1/me', { token: laptop.accessToken })).status).toBe(200);
    expect(((await list(laptop)).body.items as any[]).map((s) => s.device)).not.toContain('Chrome on Android');
    // Again: the session is gone.
    const again = await end(laptop, phoneId);
    expect([again.status, again.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    // The ended session cannot end the others.
    const laptopId = ((await list(laptop)).body.items as any[]).find((s) => s.current).id;
    const revenge = await end(phone, laptopId);
    expect([revenge.status, revenge.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    expect((await api.call('GET', '/v1/me', { token: laptop.accessToken })).status).toBe(200);
  });

  it("ending your current session logs you out; another user's session id is not found; a malformed id is refused", async () => {
    const own = await signUp(api, 'leaver');
    const stranger = await signUp(api, 'stranger');
    const strangerId = ((await list(stranger)).body.items as any[])[0].id;
    const foreign = await end(own, strangerId);
    expect([foreign.status, foreign.body.error.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect((await list(stranger)).status).toBe(200);
    const malformed = await end(own, 'not-an-id!');
    expect([malformed.status, malformed.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const ownId = ((await list(own)).body.items as any[])[0].id;
    expect((await end(own, ownId)).status).toBe(204);
    expect((await list(own)).status).toBe(401);
  });

  it('log out everywhere empties the list but for the next log-in', async () => {
    const first = await signUp(api, 'everywhere');
    await logIn('everywhere', PHONE);
    expect((await api.call('DELETE', '/v1/me/sessions', { token: first.accessToken })).status).toBe(200);
    const next = await logIn('everywhere', FIREFOX);
    expect(((await list(next)).body.items as any[]).map((s) => [s.device, s.current])).toEqual([['Firefox on Linux', true]]);
  });
});

describe('sessions per account', () => {
  const sessionItems = async (username: string) =>
    (
      await api.db.doc.send(
        new QueryCommand({
          TableName: api.db.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
          ExpressionAttributeValues: { ':pk': accountPartition(username), ':prefix': SESSION_PREFIX },
          ConsistentRead: true,
        }),
      )
    ).Items ?? [];
  const refresh = (refreshToken: string) => api.call('POST', '/v1/sessions/refresh', { json: { refreshToken } });

  it(`are at most ${SESSIONS_PER_ACCOUNT}: a log-in past it logs the least recently used out (access tokens too), also when log-ins race`, async () => {
    const first = await signUp(api, 'roamer');
    const accountId = (await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.user('roamer') }))).Item?.accountId as string;
    // A phone that retries its log-in, or a script: one session each (on the lean client, as the API runs).
    const db = { ...api.db, doc: api.db.patterns };
    const grants = [];
    for (let n = 0; n < SESSIONS_PER_ACCOUNT + 4; n++) grants.push(await createSession(db, 'roamer', 3600, accountId));
    expect((await sessionItems('roamer')).length).toBeLessThanOrEqual(SESSIONS_PER_ACCOUNT);
    // Log-ins racing at the bound: each gets in, and the bound holds.
    for (let n = (await sessionItems('roamer')).length; n < SESSIONS_PER_ACCOUNT; n++) grants.push(await createSession(db, 'roamer', 3600, accountId));
    const raced = await Promise.all(Array.from({ length: 8 }, () => createSession(db, 'roamer', 3600, accountId)));
    expect((await sessionItems('roamer')).length).toBeLessThanOrEqual(SESSIONS_PER_ACCOUNT);
    // The oldest went (their refresh tokens refused, their access tokens too, at once); the
    // newest stay, the raced ones among them.
    expect((await refresh(first.refreshToken)).body.error.code).toBe('INVALID_REFRESH_TOKEN');
    const trimmed = await api.call('GET', '/v1/me', { token: first.accessToken });
    expect([trimmed.status, trimmed.body.error?.code]).toEqual([401, 'SESSION_ENDED']);
    expect((await refresh(grants[0]!.refreshToken)).body.error.code).toBe('INVALID_REFRESH_TOKEN');
    for (const grant of [grants.at(-1)!, ...raced]) expect((await refresh(grant.refreshToken)).status).toBe(200);
    // A log-in over HTTP at the bound still signs in, and the list shows every session there is.
    const latest = await logIn('roamer', PHONE);
    const listed = (await list(latest)).body.items as any[];
    expect(listed).toHaveLength((await sessionItems('roamer')).length);
    expect(listed[0]).toMatchObject({ current: true, device: 'Chrome on Android' });
  });
});

describe('an ended account', () => {
  it('a suspended account neither lists nor ends sessions, and its sessions stay for after the suspension', async () => {
    const person = await signUp(api, 'suspended');
    const phone = await logIn('suspended', PHONE);
    const ids = ((await list(person)).body.items as any[]).map((s) => s.id);
    expect(ids).toHaveLength(2);
    await suspendUser(api.db, 'suspended', 'spam');
    const listed = await list(person);
    expect([listed.status, listed.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const ended = await end(person, ids[1]);
    expect([ended.status, ended.body.error.code]).toEqual([401, 'SESSION_ENDED']);
    const user = await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.user('suspended') }));
    expect(await listSessions(api.db, 'suspended', user.Item?.accountId as string | undefined)).toHaveLength(2);
    // After the suspension the other device refreshes again (its family was kept).
    await unsuspendUser(api.db, 'suspended');
    expect((await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken } })).status).toBe(200);
  });
});

describe('deviceSummary', () => {
  it('names browser and system from a fixed vocabulary, bounded whatever is sent', () => {
    expect(deviceSummary(FIREFOX)).toBe('Firefox on Linux');
    expect(deviceSummary(PHONE)).toBe('Chrome on Android');
    expect(deviceSummary('Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1')).toBe('Safari on iPhone');
    expect(deviceSummary('Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0')).toBe('Edge on Windows');
    expect(deviceSummary('curl/8.5.0')).toBe('curl');
    expect(deviceSummary('<script>alert(1)</script>'.repeat(1000))).toBe('Unknown device');
    expect(deviceSummary('x'.repeat(100_000)).length).toBeLessThanOrEqual(DEVICE_MAX);
  });
});
