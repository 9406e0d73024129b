/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/** Viewer state on lists: my relation to every listed profile, my reactions on every listed photo. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
const s: Record<string, Session> = {};
let photo: string;

const get = async (who: string, path: string): Promise<any> => {
  const answer = await api.call('GET', path, { token: s[who]!.accessToken });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

beforeAll(async () => {
  api = await startApi();
  for (const name of ['ann', 'ben', 'cal']) s[name] = await signUp(api, name);
  // ben and cal follow ann; ann follows ben back. ben reacts to ann's photo.
  for (const [who, whom] of [['ben', 'ann'], ['cal', 'ann'], ['ann', 'ben']] as const) {
    expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);
  }
  const p = await uploadPhoto(api.db, { username: 'ann', location: 'file:///ann.png' });
  photo = photoId('ann', p.timestamp);
  for (const type of ['heart', '+1']) expect((await api.call('PUT', `/v1/photos/${photo}/reactions/${type}`, { token: s.ben!.accessToken })).status).toBe(201);
});

afterAll(async () => {
  await api.close();
});

describe('viewer state', () => {
  it("followers with expand=profile: each profile's public fields and how I relate to it", async () => {
    const body = await get('ann', '/v1/users/ann/followers?expand=profile');
    const byName = Object.fromEntries(body.items.map((i: any) => [i.followingUser, i.user]));
    expect(byName.ben).toEqual({ username: 'ben', name: 'Name of ben', interests: [], private: false, status: '', followers: 1, following: 1, viewer: { following: true, followedBy: true, requested: false } });
    expect(byName.cal.viewer).toEqual({ following: false, followedBy: true, requested: false });
    expect(JSON.stringify(body)).not.toMatch(/email|birthdate|address/);
    // Seen by cal, the same list says cal's relations.
    const asCal = await get('cal', '/v1/users/ann/followers?expand=profile');
    expect(Object.fromEntries(asCal.items.map((i: any) => [i.followingUser, i.user.viewer])).ben).toEqual({ following: false, followedBy: false, requested: false });
  });

  it('a pending follow request shows as requested on every card of me, then as following once approved', async () => {
    s.dee = await signUp(api, 'dee');
    expect((await api.call('PUT', '/v1/account/privacy', { token: s.dee.accessToken, json: { private: true } })).status).toBe(200);
    // cal asks to follow dee; dee follows ann, so dee is on ann's followers list that cal reads.
    expect((await api.call('PUT', '/v1/users/dee/followers/me', { token: s.cal!.accessToken })).status).toBe(202);
    expect((await api.call('PUT', '/v1/users/ann/followers/me', { token: s.dee.accessToken })).status).toBe(201);
    const cardOfDee = async () => {
      const body = await get('cal', '/v1/users/ann/followers?expand=profile');
      return body.items.find((i: any) => i.followingUser === 'dee').user.viewer;
    };
    expect(await cardOfDee()).toEqual({ following: false, followedBy: false, requested: true });
    expect((await api.call('PUT', '/v1/follow-requests/cal/approval', { token: s.dee.accessToken })).status).toBe(200);
    expect(await cardOfDee()).toEqual({ following: true, followedBy: false, requested: false });
    // Back to the state the other tests expect.
    expect((await api.call('DELETE', '/v1/users/dee/followers/me', { token: s.cal!.accessToken })).status).toBe(204);
    expect((await api.call('DELETE', '/v1/users/ann/followers/me', { token: s.dee.accessToken })).status).toBe(204);
  });

  it('following with expand=profile carries the same relation', async () => {
    const body = await get('cal', '/v1/users/cal/following?expand=profile');
    expect(body.items[0].user).toMatchObject({ username: 'ann', viewer: { following: true, followedBy: false, requested: false } });
  });

  it('reactors with expand=profile, and my reactions on each photo of a list', async () => {
    const reactors = await get('ann', `/v1/photos/${photo}/reactions?expand=profile`);
    expect(reactors.items).toHaveLength(2);
    for (const r of reactors.items) expect(r.user).toMatchObject({ username: 'ben', viewer: { following: true, followedBy: true, requested: false } });
    expect((await get('ben', '/v1/users/ann/photos')).items[0].myReactions.sort()).toEqual(['+1', 'heart']);
    expect((await get('cal', '/v1/users/ann/photos')).items[0].myReactions).toEqual([]);
  });

  it('a profile says how I relate to it (absent on my own), and a photo says which reactions are mine', async () => {
    expect((await get('ann', '/v1/users/ben')).viewer).toEqual({ following: true, followedBy: true, requested: false, blocking: false });
    expect((await get('cal', '/v1/users/ann')).viewer).toEqual({ following: true, followedBy: false, requested: false, blocking: false });
    expect((await get('ben', '/v1/users/cal')).viewer).toEqual({ following: false, followedBy: false, requested: false, blocking: false });
    expect(await get('ann', '/v1/users/ann')).not.toHaveProperty('viewer');
    expect((await get('ben', `/v1/photos/${photo}`)).myReactions.sort()).toEqual(['+1', 'heart']);
    expect((await get('ann', `/v1/photos/${photo}`)).myReactions).toEqual([]);
  });

  it('a profile says whether I blocked it, in the same read, so that it can offer to unblock', async () => {
    expect((await api.call('PUT', '/v1/blocks/ben', { token: s.cal!.accessToken })).status).toBe(201);
    expect((await get('cal', '/v1/users/ben')).viewer).toEqual({ following: false, followedBy: false, requested: false, blocking: true });
    expect((await api.call('DELETE', '/v1/blocks/ben', { token: s.cal!.accessToken })).status).toBe(204);
    expect((await get('cal', '/v1/users/ben')).viewer.blocking).toBe(false);
  });
});
