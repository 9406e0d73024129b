/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * The push device registry and preferences over HTTP: endpoints validated against the allowed
 * push-service hosts, bounded per account, bound to the registering session (its log-out takes
 * them), never echoing endpoints, keys or tokens, and gone with the account.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import webpush from 'web-push';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keys } from '../../src/schema/keys.js';
import { profile, signUp, startApi, type Api, type Session } from '../http/support.js';

let api: Api;
const vapid = webpush.generateVAPIDKeys();
const subscription = (n: number) => ({ endpoint: `https://127.0.0.1:9/push/${n}`, keys: { p256dh: 'BAAA', auth: 'AAAA' } });

beforeAll(async () => {
  api = await startApi({ VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey, VAPID_SUBJECT: 'mailto:ops@example.com', PUSH_WEB_HOSTS: '127.0.0.1', PUSH_DEVICES_PER_USER: '3' });
});

afterAll(async () => {
  await api.close();
});

async function logIn(username: string): Promise<Session> {
  const answer = await api.call('POST', '/v1/sessions', { json: { username, password: profile(username).password } });
  expect(answer.status).toBe(201);
  return { username, accessToken: answer.body.accessToken, refreshToken: answer.body.refreshToken };
}
const register = (session: Session, body: unknown) => api.call('POST', '/v1/me/push/devices', { token: session.accessToken, json: body });
const list = async (session: Session) => {
  const answer = await api.call('GET', '/v1/me/push/devices', { token: session.accessToken });
  expect(answer.status).toBe(200);
  return answer.body.items as any[];
};
const accountPushItems = async (username: string) => {
  const result = await api.db.doc.send(
    new QueryCommand({ TableName: api.db.table, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': keys.pushPreferences(username).PK, ':p': 'PUSH#' } }),
  );
  return result.Items ?? [];
};

describe('push devices', () => {
  it('tells the client the VAPID key and the kinds it sends', async () => {
    const session = await signUp(api, 'pushconfig');
    const answer = await api.call('GET', '/v1/push/config', { token: session.accessToken });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ kinds: ['web'], vapidPublicKey: vapid.publicKey });
  });

  it('registers a subscription, lists it without its endpoint or keys, and refuses bad endpoints', async () => {
    const session = await signUp(api, 'pushreg');
    const created = await register(session, subscription(1));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'web', service: '127.0.0.1', current: true });
    const items = await list(session);
    expect(items.map((d) => d.id)).toEqual([created.body.id]);
    const text = JSON.stringify(items);
    for (const secret of ['/push/1', 'BAAA', 'PUSH#', 'ACCOUNT#']) expect(text).not.toContain(secret);

    for (const endpoint of ['http://127.0.0.1:9/push', 'https://push.evil.example/x', 'https://10.0.0.1/x', 'https://user:pw@127.0.0.1/x', 'not a url']) {
      const refused = await register(session, { ...subscription(2), endpoint });
      expect(refused.status, endpoint).toBe(400);
      expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    }
    // No APNs sender configured here: an APNs token is refused, saying why.
    const apns = await register(session, { kind: 'apns', token: 'abcdef0123456789' });
    expect(apns.status).toBe(409);
    expect(apns.body.error.code).toBe('PUSH_UNAVAILABLE');
    // The same subscription again is the same device.
    expect((await register(session, subscription(1))).body.id).toBe(created.body.id);
    expect(await list(session)).toHaveLength(1);
  });

  it('keeps the bound when registrations race: devices registered at once are not all kept', async () => {
    const session = await signUp(api, 'pushrace');
    // Ten registrations at once, each reading the devices before any of them is written.
    const answers = await Promise.all(Array.from({ length: 10 }, (_v, n) => register(session, subscription(100 + n))));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    // What the push view sends to (every device item, live or not) stays within the bound: the newest three.
    const newest = answers
      .map((a) => a.body as { id: string; createdAt: string })
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, 3)
      .map((d) => d.id);
    expect(await accountPushItems('pushrace')).toHaveLength(3);
    expect((await list(session)).map((d) => d.id).sort()).toEqual(newest.sort());
  });

  it('keeps at most the configured number of devices, dropping the oldest', async () => {
    const session = await signUp(api, 'pushmany');
    const ids: string[] = [];
    for (let n = 1; n <= 5; n++) ids.push((await register(session, subscription(n))).body.id);
    expect((await list(session)).map((d) => d.id).sort()).toEqual(ids.slice(2).sort());
  });

  it('removes one on request, and says when there is none', async () => {
    const session = await signUp(api, 'pushdel');
    const id = (await register(session, subscription(1))).body.id as string;
    expect((await api.call('DELETE', `/v1/me/push/devices/${id}`, { token: session.accessToken })).status).toBe(204);
    const again = await api.call('DELETE', `/v1/me/push/devices/${id}`, { token: session.accessToken });
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('PUSH_DEVICE_NOT_FOUND');
    expect(await list(session)).toEqual([]);
  });

  it("goes with its session's log-out; log-out everywhere takes them all", async () => {
    const first = await signUp(api, 'pushout');
    const second = await logIn('pushout');
    await register(first, subscription(1));
    const kept = (await register(second, subscription(2))).body.id as string;
    expect(await list(second)).toHaveLength(2);
    expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: first.refreshToken } })).status).toBe(204);
    expect((await list(second)).map((d) => d.id)).toEqual([kept]);
    // The ended session's device is gone from the table too, not only from the list.
    expect((await accountPushItems('pushout')).map((i) => String(i.SK))).toEqual([keys.pushDevice('pushout', kept).SK]);
    const third = await logIn('pushout');
    await register(third, subscription(3));
    expect((await api.call('DELETE', '/v1/me/sessions', { token: third.accessToken })).status).toBe(200);
    const fourth = await logIn('pushout');
    expect(await list(fourth)).toEqual([]);
  });

  it('keeps preferences per kind, and the account deletion takes devices and preferences', async () => {
    const session = await signUp(api, 'pushprefs');
    const initial = await api.call('GET', '/v1/me/push/preferences', { token: session.accessToken });
    expect(initial.body.kinds).toMatchObject({ follow: true, reaction: true, request: true });
    const set = await api.call('PUT', '/v1/me/push/preferences', { token: session.accessToken, json: { kinds: { reaction: false } } });
    expect(set.status).toBe(200);
    expect(set.body.kinds).toMatchObject({ follow: true, reaction: false });
    expect((await api.call('GET', '/v1/me/push/preferences', { token: session.accessToken })).body.kinds.reaction).toBe(false);
    const bad = await api.call('PUT', '/v1/me/push/preferences', { token: session.accessToken, json: { kinds: { 'NOT A KIND': true } } });
    expect(bad.status).toBe(400);
    await register(session, subscription(1));
    expect(await accountPushItems('pushprefs')).toHaveLength(2);
    const deleted = await api.call('DELETE', '/v1/me', { token: session.accessToken, json: { password: profile('pushprefs').password } });
    expect(deleted.status).toBe(202);
    await expect.poll(() => accountPushItems('pushprefs')).toEqual([]);
  });
});
