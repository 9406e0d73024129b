/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-return -- event payloads are asserted on, not typed */
/**
 * A reconnect with Last-Event-ID replays the new posts and takedown notices it missed, not only
 * activity: a real EventSource client against the API on DynamoDB Local, the worker reading its
 * stream. Each kind's source: the reader's feed partition (and the big authors' RECENT items,
 * as the feed merges them), and the owner's notices partition.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachMetrics, type Metrics } from '../../src/engine/metrics.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { TOLD_MAX, decodeEventId, encodeEventId } from '../../src/http/events/replay.js';
import { blockUser, deletePhoto, suspendUser, takeDownPhoto, uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { listen, replayed, type Heard, type Listener } from './event-stream.js';

// Three followers make a big author (merged into feeds at read time); a replay owes at most six events.
const ENV = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100', EVENTS_CATCH_UP_MAX: '6', FEED_FANOUT_THRESHOLD: '3' };

let api: Api;
let worker: Worker;
let metrics: Metrics;
const s: Record<string, Session> = {};
const open: Listener[] = [];

function stream(who: string, lastEventId?: string): Listener {
  const listener = listen(api.url, { token: s[who]!.accessToken, ...(lastEventId === undefined ? {} : { lastEventId }) });
  open.push(listener);
  return listener;
}

const follow = async (who: string, whom: string) => expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);

async function post(who: string): Promise<string> {
  const photo = await uploadPhoto(api.db, { username: who, location: `file:///${who}.png` });
  return photoId(who, photo.timestamp);
}

/** The posts, notices and activity heard, in the order they came, as short labels. */
const story = (listener: Listener): string[] =>
  listener.events.flatMap((e: Heard) =>
    e.type === 'post' ? [`post ${String(e.data.photoId)}`] : e.type === 'notice' ? [`notice ${String(e.data.photoId)}`] : e.type === 'activity' ? [`activity ${String(e.data.actor.username)}`] : e.type === 'reset' ? ['reset'] : [],
  );

/** Opens a stream, makes one activity event for `who` (a follow by `by`), and returns the id it carried, the stream closed. */
async function standingId(who: string, by: string): Promise<string> {
  const first = stream(who);
  await expect.poll(() => first.of('unread')).toHaveLength(1);
  await follow(by, who);
  await expect.poll(() => first.of('activity').map((e) => e.data.actor.username)).toContain(by);
  const id = first.of('activity').at(-1)!.id;
  first.close();
  return id;
}

beforeAll(async () => {
  api = await startApi(ENV);
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig(ENV).derived, pollMs: 50 } });
  // The API runs on the lean client: its requests are counted there.
  metrics = attachMetrics(api.db.lean!);
  for (const name of ['mia', 'ned', 'oli', 'pat', 'quin', 'rex', 'star', 'tess', 'uma', 'vic', 'wes']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  for (const listener of open) listener.close();
  metrics.detach();
  await worker.stop();
  await api.close();
});

describe('GET /v1/me/events: replaying posts and notices', () => {
  it('a followed post and a takedown missed while away arrive once, in order, then live ones', async () => {
    await follow('mia', 'ned');
    // Another follower of ned keeps this instance reading the log while mia is away: what it logs
    // meanwhile is read then, not again when she comes back, so her replay alone reads her sources.
    await follow('pat', 'ned');
    const keeper = stream('pat');
    const mine = [await uploadPhoto(api.db, { username: 'mia', location: 'file:///m1.png' }), await uploadPhoto(api.db, { username: 'mia', location: 'file:///m2.png' })];
    await worker.drain();
    const lastId = await standingId('mia', 'oli');

    // Away: a moderator takes down one of mia's photos, then ned posts (pat hears it: the log was read past both).
    await takeDownPhoto(api.db, 'mia', mine[0]!.timestamp, 'spam');
    const missedPost = await post('ned');
    await expect.poll(() => story(keeper)).toEqual([`post ${missedPost}`]);

    metrics.reset();
    const again = stream('mia', lastId);
    const gone = photoId('mia', mine[0]!.timestamp);
    await expect.poll(() => story(again)).toEqual([`notice ${gone}`, `post ${missedPost}`]);
    await replayed(again);
    // One read per source (the activity list's own aside); no big author followed: no RECENT read.
    const counts = metrics.byPattern();
    expect({ postsAfter: counts.postsAfter, bigAuthorsFollowed: counts.bigAuthorsFollowed, visiblePosts: counts.visiblePosts, noticesAfter: counts.noticesAfter, postsAfterBig: counts.postsAfterBig }).toEqual({
      postsAfter: { Query: 1 },
      bigAuthorsFollowed: { GetItem: 1 },
      visiblePosts: { BatchGetItem: 1 },
      noticesAfter: { Query: 1 },
      postsAfterBig: undefined,
    });

    // Then live: another post and another takedown, each once, after the replayed ones.
    const livePost = await post('ned');
    await expect.poll(() => story(again)).toEqual([`notice ${gone}`, `post ${missedPost}`, `post ${livePost}`]);
    await takeDownPhoto(api.db, 'mia', mine[1]!.timestamp, 'spam');
    const alsoGone = photoId('mia', mine[1]!.timestamp);
    await expect.poll(() => story(again)).toEqual([`notice ${gone}`, `post ${missedPost}`, `post ${livePost}`, `notice ${alsoGone}`]);
    expect(again.of('notice').map((e) => e.data)).toEqual([{ type: 'takedown', photoId: gone }, { type: 'takedown', photoId: alsoGone }]);
    const ids = [...again.of('post'), ...again.of('notice')].map((e) => e.id);
    expect(new Set(ids).size).toBe(4);
    expect(ids.every((id) => /^[A-Za-z0-9_-]+$/.test(id))).toBe(true);

    // A reconnect with the newest id owes nothing: the replay ends with the count and sends none of them again.
    const newest = again.events.filter((e) => e.id !== '').at(-1)!.id;
    again.close();
    const third = stream('mia', newest);
    await replayed(third);
    expect(story(third)).toEqual([]);
    third.close();
    keeper.close();
  });

  it('a stream dropped before any other event resumes from its opening: the opening count carries an id', async () => {
    for (const name of ['yan', 'zed']) s[name] = await signUp(api, name);
    await follow('yan', 'zed');
    await worker.drain();
    const first = stream('yan');
    await expect.poll(() => first.of('unread')).toHaveLength(1);
    const openingId = first.of('unread')[0]!.id;
    expect(openingId).toMatch(/^[A-Za-z0-9_-]+$/);
    first.close();
    // Away before anything else was heard: zed posts.
    const missed = await post('zed');
    await worker.drain();
    const again = stream('yan', openingId);
    await expect.poll(() => story(again)).toEqual([`post ${missed}`]);
  });

  it("a big author's post replays from its RECENT item, as the feed merges it", async () => {
    for (const fan of ['tess', 'uma', 'wes']) await follow(fan, 'star');
    await worker.drain();
    const lastId = await standingId('tess', 'vic');
    const missed = await post('star');
    await worker.drain();
    metrics.reset();
    const again = stream('tess', lastId);
    await expect.poll(() => story(again)).toEqual([`post ${missed}`]);
    await replayed(again);
    expect(metrics.byPattern().postsAfterBig).toEqual({ BatchGetItem: 1 });
    // Replayed and heard in the log's look-back both: still once.
    const live = await post('star');
    await expect.poll(() => story(again)).toEqual([`post ${missed}`, `post ${live}`]);
    again.close();
  });

  it('each missed post is judged at delivery: a blocked or suspended author, a deleted photo are left out', async () => {
    for (const author of ['pat', 'quin', 'rex']) await follow('oli', author);
    await worker.drain();
    const lastId = await standingId('oli', 'vic');
    await post('pat');
    await post('quin');
    const deleted = await uploadPhoto(api.db, { username: 'rex', location: 'file:///r.png' });
    const kept = await post('rex');
    await worker.drain();
    await blockUser(api.db, 'oli', 'pat');
    await suspendUser(api.db, 'quin', 'spam');
    await deletePhoto(api.db, 'rex', deleted.timestamp);
    await worker.drain();
    const again = stream('oli', lastId);
    await replayed(again);
    // rex's other photo proves the replay (and the log's look-back) ran past the left-out ones.
    await expect.poll(() => story(again)).toEqual([`post ${kept}`]);
    again.close();
  });

  it('an id older than the replay bound gets reset, then carries on live', async () => {
    const lastId = await standingId('wes', 'vic');
    await follow('wes', 'ned');
    for (const fan of ['mia', 'oli', 'pat', 'rex']) await follow(fan, 'wes');
    for (let i = 0; i < 3; i++) await post('ned');
    await worker.drain();
    // Seven missed (four follows, three posts): one more than a replay sends.
    const again = stream('wes', lastId);
    await expect.poll(() => again.of('reset')).toHaveLength(1);
    expect(story(again)).toEqual(['reset']);
    expect(again.of('reset')[0]!.data).toEqual({ unreadCount: 5, newPosts: true });
    const live = await post('ned');
    await expect.poll(() => story(again)).toEqual(['reset', `post ${live}`]);
    // The reset's id stands after everything missed: reconnecting with it replays none of it.
    const resetId = again.of('reset')[0]!.id;
    again.close();
    const third = stream('wes', resetId);
    await replayed(third);
    expect(story(third)).toEqual([`post ${live}`]);
    third.close();
  });

  it('an id naming positions no stream sends, sealed or not, is refused (never a Query with an empty range)', async () => {
    const lastId = await standingId('vic', 'mia');
    const named = decodeEventId(api.db.cursors, lastId, 'vic')!;
    expect(named.activity).not.toBe('');
    const seal = (positions: typeof named) => encodeEventId(api.db.cursors, 'vic', positions);
    for (const forged of [
      seal({ ...named, activity: 'FEED#vic' }),
      seal({ ...named, feed: '~BIG' }),
      seal({ ...named, notice: 'NOTICE#mia' }),
      // The posts told are bounded: an id naming more is not one a stream sent.
      seal({ ...named, told: Array.from({ length: TOLD_MAX + 1 }, () => named.feed) }),
      // The former plain forms (an activity key alone, the positions as JSON): not sealed by us.
      Buffer.from(named.activity, 'utf8').toString('base64url'),
      Buffer.from(JSON.stringify([named.activity, named.feed, named.notice, named.floor, named.told]), 'utf8').toString('base64url'),
    ]) {
      const refused = await api.call('GET', '/v1/me/events', { token: s.vic!.accessToken, headers: { 'last-event-id': forged } });
      expect(refused.status).toBe(400);
      expect(refused.body).toMatchObject({ error: { code: 'INVALID_LAST_EVENT_ID' } });
    }
    // The id as it was sent still resumes.
    await follow('ned', 'vic');
    await worker.drain();
    const again = stream('vic', lastId);
    await expect.poll(() => story(again)).toEqual(['activity ned']);
    again.close();
  });
});
