/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call */
/** Private accounts over real HTTP: follow requests, approval, decline, cancel, and who sees what. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTable } from '../../src/admin/doctor.js';
import { photoId } from '../../src/schema/ids.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let priv: Session; // the private account
let fan: Session; // asks and is approved
let stranger: Session; // asks and is declined
let other: Session; // asks and cancels
let photo: string;

const as = (session: Session) => ({ token: session.accessToken });

async function counters(username: string) {
  const answer = await api.call('GET', `/v1/users/${username}`, as(username === 'priv' ? priv : fan));
  return { followers: answer.body.followers as number, following: answer.body.following as number };
}

beforeAll(async () => {
  api = await startApi();
  [priv, fan, stranger, other] = [await signUp(api, 'priv'), await signUp(api, 'fan'), await signUp(api, 'stranger'), await signUp(api, 'other')];
  const upload = await api.call('POST', '/v1/users/priv/photos', { token: priv.accessToken, body: imageForm(PNG_1x1) });
  photo = photoId('priv', (upload.body.timestamp as string).replace(/Z$/, ''));
});

afterAll(async () => {
  await api.close();
});

describe('private accounts', () => {
  it('are switched by their owner only', async () => {
    const answer = await api.call('PUT', '/v1/account/privacy', { ...as(priv), json: { private: true } });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ private: true, approved: 0, pending: false });
    const bad = await api.call('PUT', '/v1/account/privacy', { ...as(priv), json: { private: 'yes' } });
    expect(bad.status).toBe(400);
  });

  it('show their profile to all, but photos, lists and reactions only to approved followers', async () => {
    expect((await api.call('GET', '/v1/users/priv', as(fan))).status).toBe(200);
    for (const path of ['/v1/users/priv/photos', '/v1/users/priv/followers', '/v1/users/priv/following', `/v1/photos/${photo}`, `/v1/photos/${photo}/reactions`]) {
      const answer = await api.call('GET', path, as(fan));
      expect([path, answer.status, answer.body?.error?.code]).toEqual([path, 403, 'PRIVATE_ACCOUNT']);
      expect((await api.call('GET', path, as(priv))).status, path).toBe(200);
    }
    const react = await api.call('PUT', `/v1/photos/${photo}/reactions/heart`, as(fan));
    expect([react.status, react.body.error.code]).toEqual([403, 'PRIVATE_ACCOUNT']);
    expect((await api.call('GET', `/v1/photos/${photo}`, as(priv))).body.reactions.heart).toBe(0);
  });

  it('turn a follow into a request (202, idempotent), which the owner lists', async () => {
    const first = await api.call('PUT', '/v1/users/priv/followers/me', as(fan));
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ requester: 'fan', target: 'priv', timestamp: expect.stringMatching(/Z$/) });
    const again = await api.call('PUT', '/v1/users/priv/followers/me', as(fan));
    expect([again.status, again.body.timestamp]).toEqual([202, first.body.timestamp]);
    expect((await api.call('PUT', '/v1/users/priv/followers/me', as(stranger))).status).toBe(202);
    expect((await api.call('PUT', '/v1/users/priv/followers/me', as(other))).status).toBe(202);
    expect(await counters('priv')).toEqual({ followers: 0, following: 0 });
    // The profile tells the requester what to show: a private account, a pending request.
    const profile = await api.call('GET', '/v1/users/priv', as(fan));
    expect([profile.body.private, profile.body.viewer]).toEqual([true, { following: false, followedBy: false, requested: true, blocking: false }]);

    const list = await api.call('GET', '/v1/follow-requests', as(priv));
    expect(list.body.items.map((r: { requester: string }) => r.requester)).toEqual(['fan', 'other', 'stranger']);
    expect((await api.call('GET', '/v1/follow-requests', as(fan))).body.items).toEqual([]);
  });

  it('approve with the lab follow transaction (counters exact); decline and cancel remove the request', async () => {
    const approved = await api.call('PUT', '/v1/follow-requests/fan/approval', as(priv));
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ followedUser: 'priv', followingUser: 'fan' });
    expect(await counters('priv')).toEqual({ followers: 1, following: 0 });
    expect(await counters('fan')).toEqual({ followers: 0, following: 1 });
    // A phone that lost the first answer approves again: the same answer, nothing counted twice.
    const twice = await api.call('PUT', '/v1/follow-requests/fan/approval', as(priv));
    expect([twice.status, twice.body]).toEqual([200, approved.body]);
    expect(await counters('priv')).toEqual({ followers: 1, following: 0 });

    expect((await api.call('DELETE', '/v1/follow-requests/stranger', as(priv))).status).toBe(204);
    expect((await api.call('DELETE', '/v1/follow-requests/stranger', as(priv))).status).toBe(204);
    expect((await api.call('DELETE', '/v1/users/priv/follow-request', as(other))).status).toBe(204);
    // Declined, not following: approving now finds nothing to approve.
    const none = await api.call('PUT', '/v1/follow-requests/stranger/approval', as(priv));
    expect([none.status, none.body.error.code]).toEqual([404, 'REQUEST_NOT_FOUND']);
    expect((await api.call('GET', '/v1/follow-requests', as(priv))).body.items).toEqual([]);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it('let approved followers see and react', async () => {
    // The pinned photo's id (it names the photo and its time) only for those who may see it.
    expect((await api.call('PATCH', '/v1/me', { ...as(priv), json: { pinnedPhotoId: photo } })).status).toBe(200);
    expect((await api.call('GET', '/v1/users/priv', as(fan))).body.pinnedPhotoId).toBe(photo);
    expect((await api.call('GET', '/v1/users/priv', as(stranger))).body).not.toHaveProperty('pinnedPhotoId');
    expect((await api.call('GET', '/v1/users/priv', as(priv))).body.pinnedPhotoId).toBe(photo);
    expect((await api.call('GET', '/v1/users/priv/photos', as(fan))).body.items).toHaveLength(1);
    expect((await api.call('GET', '/v1/users/priv/followers', as(fan))).status).toBe(200);
    expect((await api.call('PUT', `/v1/photos/${photo}/reactions/heart`, as(fan))).status).toBe(201);
    expect((await api.call('GET', `/v1/photos/${photo}`, as(fan))).body.reactions.heart).toBe(1);
    expect((await api.call('GET', '/v1/users/priv/photos', as(stranger))).status).toBe(403);
  });

  it('going public approves what is pending and lets anyone follow directly', async () => {
    expect((await api.call('PUT', '/v1/users/priv/followers/me', as(stranger))).status).toBe(202);
    const answer = await api.call('PUT', '/v1/account/privacy', { ...as(priv), json: { private: false } });
    expect(answer.body).toEqual({ private: false, approved: 1, pending: false });
    expect(await counters('priv')).toEqual({ followers: 2, following: 0 });
    expect((await api.call('PUT', '/v1/users/priv/followers/me', as(other))).status).toBe(201);
    expect((await api.call('GET', '/v1/users/priv/photos', as(other))).status).toBe(200);
    expect((await auditTable(api.db.doc, api.db.table)).problems).toEqual([]);
  });

  it('a block removes pending requests either way', async () => {
    expect((await api.call('PUT', '/v1/account/privacy', { ...as(priv), json: { private: true } })).status).toBe(200);
    const late = await signUp(api, 'late');
    expect((await api.call('PUT', '/v1/users/priv/followers/me', as(late))).status).toBe(202);
    expect((await api.call('PUT', '/v1/blocks/late', as(priv))).status).toBe(201);
    expect((await api.call('GET', '/v1/follow-requests', as(priv))).body.items).toEqual([]);
    const again = await api.call('PUT', '/v1/users/priv/followers/me', as(late));
    expect([again.status, again.body.error.code]).toEqual([404, 'USER_NOT_FOUND']);
  });
});
