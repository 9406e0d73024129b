/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/** GET /v1/me/activity and mark-as-read over HTTP, the worker consuming the real stream. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { startAccountDeletion, suspendUser, uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let worker: Worker;
const s: Record<string, Session> = {};

async function activity(who: string, query = ''): Promise<any> {
  const answer = await api.call('GET', `/v1/me/activity${query}`, { token: s[who]!.accessToken });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}

beforeAll(async () => {
  api = await startApi();
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  for (const name of ['alice', 'bob', 'carol', 'dan', 'pia', 'uma', 'vic', 'wes', 'xia', 'yan']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('GET /v1/me/activity', () => {
  let photo: string;

  it('lists new followers and reactions to my photos, newest first, all unread', async () => {
    const mine = await uploadPhoto(api.db, { username: 'alice', location: 'file:///a.png' });
    photo = photoId('alice', mine.timestamp);
    expect((await api.call('PUT', '/v1/users/alice/followers/me', { token: s.bob!.accessToken })).status).toBe(201);
    expect((await api.call('PUT', `/v1/photos/${photo}/reactions/heart`, { token: s.carol!.accessToken })).status).toBe(201);
    // My own reaction on my own photo is not news to me.
    expect((await api.call('PUT', `/v1/photos/${photo}/reactions/smiley`, { token: s.alice!.accessToken })).status).toBe(201);
    await worker.drain();
    const body = await activity('alice');
    expect(body.unreadCount).toBe(2);
    expect(body.items).toHaveLength(2);
    const [reaction, follow] = body.items;
    expect(reaction).toMatchObject({ type: 'reaction', reactionType: 'heart', unread: true, actor: { username: 'carol', viewer: { following: false, followedBy: false, requested: false } } });
    expect(reaction.photo).toMatchObject({ id: photo, reactions: { heart: 1, smiley: 1 } });
    expect(reaction.at).toMatch(/Z$/);
    expect(follow).toMatchObject({ type: 'follow', unread: true, actor: { username: 'bob', viewer: { following: false, followedBy: true, requested: false } } });
    expect(follow).not.toHaveProperty('photo');
    expect(JSON.stringify(body)).not.toMatch(/ACTIVITY#|USER#|PHOTO#|email/);
  });

  it('mark as read zeroes the count; newer items are unread again', async () => {
    expect((await api.call('PUT', '/v1/me/activity/read', { token: s.alice!.accessToken })).status).toBe(204);
    let body = await activity('alice');
    expect(body.unreadCount).toBe(0);
    expect(body.items.every((i: any) => !i.unread)).toBe(true);
    expect((await api.call('PUT', '/v1/users/alice/followers/me', { token: s.carol!.accessToken })).status).toBe(201);
    await worker.drain();
    body = await activity('alice');
    expect(body.unreadCount).toBe(1);
    expect(body.items[0]).toMatchObject({ type: 'follow', unread: true, actor: { username: 'carol' } });
    expect(body.items.slice(1).every((i: any) => !i.unread)).toBe(true);
  });

  it('an undone reaction or follow leaves the activity; pages follow the cursor', async () => {
    expect((await api.call('DELETE', `/v1/photos/${photo}/reactions/heart`, { token: s.carol!.accessToken })).status).toBe(204);
    await worker.drain();
    const body = await activity('alice');
    expect(body.items.map((i: any) => i.type)).toEqual(['follow', 'follow']);
    const first = await activity('alice', '?limit=1');
    expect(first.items).toHaveLength(1);
    const second = await activity('alice', `?limit=1&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(second.items[0].actor.username).toBe('bob');
    expect(second.nextCursor).toBeUndefined();
  });

  it('a follow request to a private account is activity until approved; then the follow is', async () => {
    const pia = s.pia!.accessToken;
    expect((await api.call('PUT', '/v1/account/privacy', { token: pia, json: { private: true } })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/pia/followers/me', { token: s.dan!.accessToken })).status).toBe(202);
    await worker.drain();
    let body = await activity('pia');
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({ type: 'request', unread: true, actor: { username: 'dan', viewer: { following: false, followedBy: false, requested: false } } });
    expect(body.unreadCount).toBe(1);
    expect((await api.call('PUT', '/v1/follow-requests/dan/approval', { token: pia })).status).toBeLessThan(300);
    await worker.drain();
    body = await activity('pia');
    expect(body.items.map((i: any) => [i.type, i.actor.username])).toEqual([['follow', 'dan']]);
  });

  it('a block hides the other side from my activity, both ways, at once', async () => {
    // carol follows alice (earlier test); bob too. alice blocks carol: carol's items vanish.
    expect((await api.call('PUT', '/v1/blocks/carol', { token: s.alice!.accessToken })).status).toBe(201);
    const body = await activity('alice');
    expect(body.items.map((i: any) => i.actor.username)).not.toContain('carol');
    expect(body.items.map((i: any) => i.actor.username)).toContain('bob');
    // The blocked side: alice no longer appears in carol's activity either.
    expect((await api.call('PUT', '/v1/users/carol/followers/me', { token: s.dan!.accessToken })).status).toBe(201);
    await worker.drain();
    const carols = await activity('carol');
    expect(carols.items.map((i: any) => i.actor.username)).toEqual(['dan']);
    // The worker removed carol's reaction item too, so no count can include it.
    const left = await api.db.doc.send(
      new QueryCommand({ TableName: derivedDb(api.db).table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.activity('alice').pk } }),
    );
    expect((left.Items ?? []).filter((item) => item.actor === 'carol')).toEqual([]);
    expect((left.Items ?? []).some((item) => item.actor === 'bob')).toBe(true);
    expect((await api.call('DELETE', '/v1/blocks/carol', { token: s.alice!.accessToken })).status).toBe(204);
  });

  it('the unread count counts exactly what the list shows: not a blocked user, a deleted account or a suspended one', async () => {
    const uma = await uploadPhoto(api.db, { username: 'uma', location: 'file:///u.png' });
    for (const name of ['vic', 'wes', 'xia', 'yan']) {
      expect((await api.call('PUT', '/v1/users/uma/followers/me', { token: s[name]!.accessToken })).status).toBe(201);
    }
    expect((await api.call('PUT', `/v1/photos/${photoId('uma', uma.timestamp)}/reactions/heart`, { token: s.wes!.accessToken })).status).toBe(201);
    await worker.drain();
    expect((await activity('uma')).unreadCount).toBe(5);
    // vic is blocked; wes's deletion has started (its follows and reactions not yet swept); yan is suspended.
    expect((await api.call('PUT', '/v1/blocks/vic', { token: s.uma!.accessToken })).status).toBe(201);
    await startAccountDeletion(api.db, 'wes');
    await suspendUser(api.db, 'yan', 'spam');
    const body = await activity('uma');
    expect(body.items.map((i: any) => i.actor.username)).toEqual(['xia']);
    expect(body.unreadCount).toBe(1);
    // A short page counts the same: the count is not limited to the page's actors.
    const first = await activity('uma', '?limit=1');
    expect(first.unreadCount).toBe(1);
  });
});
