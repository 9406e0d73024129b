/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment */
/**
 * Identity at the seams: a token names one account (its immutable id), not a username, and a
 * session ended by log-out, log-out everywhere, a password change, suspension or deletion
 * refuses its access token at once, on reads and on writes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { finishDeletion, startAccountDeletion, suspendUser } from '../../src/patterns/index.js';
import { imageForm, PNG_1x1, profile, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;

beforeAll(async () => {
  api = await startApi();
  await signUp(api, 'friend');
});

afterAll(async () => {
  await api.close();
});

const noFiles = { deleteFiles: () => Promise.resolve(), deleteUserFiles: () => Promise.resolve() };

async function logIn(username: string, password = profile(username).password): Promise<Session> {
  const answer = await api.call('POST', '/v1/sessions', { json: { username, password } });
  expect(answer.status).toBe(201);
  return { username, accessToken: answer.body.accessToken as string, refreshToken: answer.body.refreshToken as string };
}

/** A read that reads the viewer (own profile), a guarded read of another user, and a write. */
async function refusedEverywhere(token: string): Promise<void> {
  for (const [method, path] of [
    ['GET', '/v1/me'],
    ['GET', '/v1/users/friend'],
    ['GET', '/v1/users/friend/photos'],
    ['PUT', '/v1/users/friend/followers/me'],
    ['PATCH', '/v1/me'],
  ] as const) {
    const answer = await api.call(method, path, { token, ...(method === 'PATCH' ? { json: { status: 'hijacked' } } : {}) });
    expect([method, path, answer.status, answer.body?.error?.code]).toEqual([method, path, 401, 'SESSION_ENDED']);
  }
}

describe('a deleted account\'s token never reaches a new account of the same name', () => {
  it('refuses sign-up while the deletion job exists (409), then the old token is 401 and the new account untouched', async () => {
    const old = await signUp(api, 'reused');
    await startAccountDeletion(api.db, 'reused');
    const early = await api.call('POST', '/v1/accounts', { json: profile('reused') });
    expect([early.status, early.body.error.code]).toEqual([409, 'USERNAME_BEING_DELETED']);
    expect(await finishDeletion(api.db, 'reused', noFiles)).toBe('done');

    const again = await api.call('POST', '/v1/accounts', { json: { ...profile('reused'), name: 'The new owner', email: 'new-owner@example.com' } });
    expect(again.status).toBe(201);
    const fresh = again.body.session.accessToken as string;

    await refusedEverywhere(old.accessToken);
    const refresh = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: old.refreshToken } });
    expect(refresh.status).toBe(401);

    const me = await api.call('GET', '/v1/me', { token: fresh });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ name: 'The new owner', email: 'new-owner@example.com', status: '', following: 0 });
    const followers = await api.call('GET', '/v1/users/friend/followers', { token: fresh });
    expect(followers.body.items).toEqual([]);
  });
});

describe('each session end refuses its access token at once', () => {
  it('log-out ends that session\'s access tokens, and only that session\'s', async () => {
    await signUp(api, 'leaver');
    const [phone, laptop] = [await logIn('leaver'), await logIn('leaver')];
    expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: phone.refreshToken } })).status).toBe(204);
    await refusedEverywhere(phone.accessToken);
    expect((await api.call('GET', '/v1/me', { token: laptop.accessToken })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/friend/followers/me', { token: laptop.accessToken })).status).toBe(201);
  });

  it('a refreshed access token of a logged-out session is refused too (same family)', async () => {
    await signUp(api, 'rotator');
    const phone = await logIn('rotator');
    const rotated = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: phone.refreshToken } });
    expect(rotated.status).toBe(200);
    expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: rotated.body.refreshToken } })).status).toBe(204);
    await refusedEverywhere(rotated.body.accessToken as string);
    await refusedEverywhere(phone.accessToken);
  });

  it('log-out everywhere ends every access token, including the one that asked', async () => {
    const first = await signUp(api, 'everywhere');
    const second = await logIn('everywhere');
    expect((await api.call('DELETE', '/v1/me/sessions', { token: second.accessToken })).status).toBe(200);
    await refusedEverywhere(first.accessToken);
    await refusedEverywhere(second.accessToken);
    const third = await logIn('everywhere');
    expect((await api.call('GET', '/v1/me', { token: third.accessToken })).status).toBe(200);
  });

  it('a password change ends every other access token; the new pair works', async () => {
    const old = await signUp(api, 'changer');
    const changed = await api.call('POST', '/v1/me/password', {
      token: old.accessToken,
      json: { currentPassword: profile('changer').password, newPassword: 'a brand new passphrase' },
    });
    expect(changed.status).toBe(200);
    await refusedEverywhere(old.accessToken);
    expect((await api.call('GET', '/v1/me', { token: changed.body.accessToken as string })).status).toBe(200);
  });

  it('suspension ends every access token, and the refresh grace window returns no token', async () => {
    const suspect = await signUp(api, 'suspect');
    const rotated = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: suspect.refreshToken } });
    expect(rotated.status).toBe(200);
    await suspendUser(api.db, 'suspect', 'spam');
    await refusedEverywhere(suspect.accessToken);
    await refusedEverywhere(rotated.body.accessToken as string);
    // The first token again, within the 30 s grace window: a suspended account gets nothing.
    const repeat = await api.call('POST', '/v1/sessions/refresh', { json: { refreshToken: suspect.refreshToken } });
    expect([repeat.status, repeat.body.error.code, repeat.body.accessToken]).toEqual([403, 'ACCOUNT_SUSPENDED', undefined]);
  });

  it('deletion ends every access token at once', async () => {
    const doomed = await signUp(api, 'doomed');
    await startAccountDeletion(api.db, 'doomed');
    await refusedEverywhere(doomed.accessToken);
  });
});

describe('reads that batch-read anything carry the session check too', () => {
  it('one\'s own lists with profiles and one\'s own photo refuse an ended session (no extra request: the user item rides in the batch)', async () => {
    await signUp(api, 'lister');
    const [phone, laptop] = [await logIn('lister'), await logIn('lister')];
    expect((await api.call('PUT', '/v1/users/friend/followers/me', { token: laptop.accessToken })).status).toBe(201);
    const upload = await api.call('POST', '/v1/users/lister/photos', { token: laptop.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    expect((await api.call('DELETE', '/v1/sessions', { json: { refreshToken: phone.refreshToken } })).status).toBe(204);
    for (const path of ['/v1/users/lister/following?expand=profile', `/v1/photos/${String(upload.body.id)}`, '/v1/users/lister/photos?limit=5']) {
      const ended = await api.call('GET', path, { token: phone.accessToken });
      const live = await api.call('GET', path, { token: laptop.accessToken });
      expect([path, ended.status, live.status]).toEqual([path, 401, 200]);
    }
  });
});

