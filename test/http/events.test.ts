/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- event payloads are asserted on, not typed */
/**
 * GET /v1/me/events against the real stack: the worker reads DynamoDB Local's stream, the
 * events view logs to the derived table, the API tails it and a real EventSource client hears.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { blockUser, suspendUser, takeDownPhoto, uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { decodeEventId } from '../../src/http/events/replay.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { listen, type Listener } from './event-stream.js';

const FAST = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100' };

let api: Api;
let worker: Worker;
const s: Record<string, Session> = {};
const open: Listener[] = [];

function stream(who: string, options: { lastEventId?: string } = {}): Listener {
  const listener = listen(api.url, { token: s[who]!.accessToken, ...options });
  open.push(listener);
  return listener;
}

const follow = async (who: string, whom: string) => expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);

beforeAll(async () => {
  api = await startApi(FAST);
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  for (const name of ['alice', 'bob', 'carol', 'dan', 'eve', 'fay', 'gus', 'hal']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  for (const listener of open) listener.close();
  await worker.stop();
  await api.close();
});

describe('GET /v1/me/events', () => {
  it('opens with the unread count, then hears activity as it is written', async () => {
    const alice = stream('alice');
    await expect.poll(() => alice.of('unread')).toHaveLength(1);
    expect(alice.of('unread')[0]!.data).toEqual({ count: 0 });
    await follow('bob', 'alice');
    await expect.poll(() => alice.of('activity').map((e) => e.data.actor.username)).toEqual(['bob']);
    const [heard] = alice.of('activity');
    expect(heard!.data).toMatchObject({ type: 'follow', unread: true, actor: { username: 'bob', viewer: { followedBy: true } } });
    expect(heard!.id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(JSON.stringify(alice.events)).not.toMatch(/ACTIVITY#|USER#|A#/);
    await expect.poll(() => alice.of('unread').at(-1)?.data).toEqual({ count: 1 });
    alice.close();
  });

  it('a reconnect with Last-Event-ID gets what it missed, in order, once, then live events', async () => {
    const first = stream('alice');
    await expect.poll(() => first.of('unread')).toHaveLength(1);
    const mine = await uploadPhoto(api.db, { username: 'alice', location: 'file:///a.png' });
    await follow('carol', 'alice');
    await expect.poll(() => first.of('activity').map((e) => e.data.actor.username)).toEqual(['carol']);
    const lastId = first.of('activity')[0]!.id;
    first.close();
    // Missed while away: a follow and a reaction.
    await follow('dan', 'alice');
    expect((await api.call('PUT', `/v1/photos/${photoId('alice', mine.timestamp)}/reactions/heart`, { token: s.eve!.accessToken })).status).toBe(201);
    await worker.drain();
    const again = stream('alice', { lastEventId: lastId });
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['dan', 'eve']);
    expect(again.of('activity')[1]!.data).toMatchObject({ type: 'reaction', reactionType: 'heart' });
    await follow('fay', 'alice');
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['dan', 'eve', 'fay']);
    const ids = again.of('activity').map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    // In the order of the activity keys they name (the ids are opaque: their base64 does not sort as the keys do).
    const named = ids.map((id) => decodeEventId(api.db.cursors, id, 'alice')?.activity);
    expect([...named].sort()).toEqual(named);
    again.close();
  });

  it('what a block stands between is not replayed; a takedown is a notice to the owner', async () => {
    const gus = stream('gus');
    await expect.poll(() => gus.of('unread')).toHaveLength(1);
    const mine = await uploadPhoto(api.db, { username: 'gus', location: 'file:///g.png' });
    await follow('alice', 'gus');
    await expect.poll(() => gus.of('activity')).toHaveLength(1);
    const lastId = gus.of('activity')[0]!.id;
    gus.close();
    expect((await api.call('PUT', `/v1/photos/${photoId('gus', mine.timestamp)}/reactions/heart`, { token: s.fay!.accessToken })).status).toBe(201);
    await blockUser(api.db, 'fay', 'gus');
    await follow('eve', 'gus');
    await worker.drain();
    const again = stream('gus', { lastEventId: lastId });
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['eve']);
    await takeDownPhoto(api.db, 'gus', mine.timestamp, 'spam');
    await expect.poll(() => again.of('notice').map((e) => e.data)).toEqual([{ type: 'takedown', photoId: photoId('gus', mine.timestamp) }]);
    again.close();
  });

  it('a suspended actor is left out at delivery; a suspended user\'s own stream ends', async () => {
    const hal = stream('hal');
    await expect.poll(() => hal.of('unread')).toHaveLength(1);
    await follow('gus', 'hal');
    await expect.poll(() => hal.of('activity')).toHaveLength(1);
    const lastId = hal.of('activity')[0]!.id;
    hal.close();
    await follow('bob', 'hal');
    await suspendUser(api.db, 'bob', 'spam');
    await follow('carol', 'hal');
    await worker.drain();
    const again = stream('hal', { lastEventId: lastId });
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['carol']);
    await suspendUser(api.db, 'hal', 'spam');
    await expect.poll(() => again.of('end').map((e) => e.data.reason)).toEqual(['session']);
  });

  it("a private author's comment on my photo is no event for me, live or replayed, while I do not follow them", async () => {
    const [ivy, jo, kit] = [await signUp(api, 'ivy'), await signUp(api, 'jo'), await signUp(api, 'kit')];
    s.ivy = ivy;
    const mine = photoId('ivy', (await uploadPhoto(api.db, { username: 'ivy', location: 'file:///i.png' })).timestamp);
    expect((await api.call('PUT', '/v1/account/privacy', { token: jo.accessToken, json: { private: true } })).status).toBe(200);
    const live = stream('ivy');
    await expect.poll(() => live.of('unread')).toHaveLength(1);
    const before = live.of('unread')[0]!.id;
    const say = async (who: Session, text: string) => expect((await api.call('POST', `/v1/photos/${mine}/comments`, { token: who.accessToken, json: { text } })).status).toBe(201);
    await say(jo, 'only my followers may read this');
    await say(kit, 'hello ivy');
    await worker.drain();
    // kit's comment came after jo's: once it is heard, jo's was judged.
    await expect.poll(() => live.of('activity').map((e) => e.data.actor.username)).toEqual(['kit']);
    live.close();
    const again = stream('ivy', { lastEventId: before });
    await expect.poll(() => again.of('activity').map((e) => e.data.actor.username)).toEqual(['kit']);
    await expect.poll(() => again.of('unread').at(-1)?.data).toEqual({ count: 1 });
    expect(JSON.stringify([...live.events, ...again.events])).not.toContain('only my followers');
  });
});
