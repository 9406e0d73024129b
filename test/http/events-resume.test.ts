/* eslint-disable @typescript-eslint/no-unsafe-member-access -- event payloads are asserted on, not typed */
/**
 * A reconnect loses no post the instance's log reader handled while the client was away, nor one
 * that reached the log after a later post it was told of: a real EventSource client against the
 * API on DynamoDB Local. The worker runs its views in an order where the event log is written
 * before the feed fan-out, and the fan-out can be held, so "logged but not in the reader's feed
 * yet" is a state the test reaches by events, not by time.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { DerivedView } from '../../src/derived/apply.js';
import { buildViews, createWorker, type Worker } from '../../src/derived/worker.js';
import { attachMetrics, type Metrics } from '../../src/engine/metrics.js';
import { HEARD_JUDGED_PER_BOUND } from '../../src/http/events/deliver.js';
import { TOLD_MAX, decodeEventId } from '../../src/http/events/replay.js';
import { uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { uniqueTimestamp } from '../../src/schema/timestamps.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';
import { listen, replayed, type Heard, type Listener } from './event-stream.js';

// A minute's look-back: every post of a test stays in the instance's memory however slow the machine.
const ENV = { EVENTS_POLL_MS: '50', EVENTS_HEARTBEAT_MS: '100', EVENTS_CATCH_UP_MAX: '6', EVENTS_LOOKBACK_MS: '60000' };

let api: Api;
let worker: Worker;
let metrics: Metrics;
const s: Record<string, Session> = {};
const open: Listener[] = [];

/** While set, the feed view waits for it before applying anything: the fan-out is under way, not landed. */
let hold: { opened: Promise<void>; open: () => void } | undefined;
function holdFanOut(): () => void {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  hold = { opened, open };
  return () => {
    hold = undefined;
    open();
  };
}

function stream(who: string, lastEventId?: string): Listener {
  const listener = listen(api.url, { token: s[who]!.accessToken, ...(lastEventId === undefined ? {} : { lastEventId }) });
  open.push(listener);
  return listener;
}

const follow = async (who: string, whom: string) => expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);

async function post(who: string, timestamp?: string): Promise<string> {
  const photo = await uploadPhoto(api.db, { username: who, location: `file:///${who}.png`, ...(timestamp === undefined ? {} : { timestamp }) });
  return photoId(who, photo.timestamp);
}

const posts = (listener: Listener): string[] => listener.of('post').map((e: Heard) => String(e.data.photoId));

beforeAll(async () => {
  api = await startApi(ENV);
  const settings = { ...testConfig(ENV).derived, pollMs: 50 };
  const views = buildViews(api.db, settings);
  const feed = views.find((v) => v.name === 'feed')!;
  const held: DerivedView = {
    name: feed.name,
    apply: async (change, progress) => {
      if (hold) await hold.opened;
      return feed.apply(change, progress);
    },
  };
  // The log first, then the (holdable) fan-out: as when a fan-out to many followers is still writing.
  // Only these two: no other view's output is read here, and the posts pass through each view.
  const ordered = [...views.filter((v) => v.name === 'events'), held];
  worker = createWorker({ client: api.db.client, db: api.db, settings, views: ordered });
  // The API runs on the lean client: its requests are counted there.
  metrics = attachMetrics(api.db.lean!);
  for (const name of ['ada', 'bea', 'cal', 'dee', 'eli', 'fay', 'gus', 'hal', 'ivy', 'jon', 'kim']) s[name] = await signUp(api, name);
});

// A test that fails while the fan-out is held must not hold it for the next one.
afterEach(() => {
  hold?.open();
  hold = undefined;
});

afterAll(async () => {
  for (const listener of open) listener.close();
  metrics.detach();
  await worker.stop();
  await api.close();
});

describe('GET /v1/me/events: resuming without losing posts', () => {
  it('a post whose fan-out has not reached the reader, its log entry already handled for another stream, is sent on reconnect, once', async () => {
    await follow('ada', 'cal');
    await follow('bea', 'cal');
    await worker.drain();
    const first = stream('ada');
    await replayed(first);
    const keeper = stream('bea');
    await replayed(keeper);
    // A live post gives ada an id to come back with.
    const told = await post('cal');
    await expect.poll(() => posts(first)).toEqual([told]);
    const lastId = first.of('post')[0]!.id;
    first.close();

    // Away: cal posts; the log entry is handled (bea hears it) while the fan-out to ada's feed is held.
    const release = holdFanOut();
    const missed = await post('cal');
    await expect.poll(() => posts(keeper)).toEqual([told, missed]);
    metrics.reset();
    const again = stream('ada', lastId);
    await replayed(again);
    await expect.poll(() => posts(again)).toEqual([missed]);
    // Handed over from the hub's memory, judged in the replay's one read of posts: no request of its own.
    const counts = metrics.byPattern();
    expect({ postsAfter: counts.postsAfter, visiblePosts: counts.visiblePosts, readersFollowing: counts.readersFollowing }).toEqual({
      postsAfter: { Query: 1 },
      visiblePosts: { BatchGetItem: 1 },
      readersFollowing: undefined,
    });

    // The fan-out lands, then a later post: still once each, in order.
    release();
    await worker.drain();
    const later = await post('cal');
    await expect.poll(() => posts(again)).toEqual([missed, later]);
    // Resuming from the newest id replays none of them (the held post is in the feed now).
    const newest = again.of('post').at(-1)!.id;
    again.close();
    const third = stream('ada', newest);
    await replayed(third);
    const fourth = await post('cal');
    await expect.poll(() => posts(third)).toEqual([fourth]);
    third.close();
    keeper.close();
  });

  it('a post placed before one the client was told of, reaching the log after it, is sent on reconnect', async () => {
    await follow('dee', 'eli');
    await follow('dee', 'fay');
    await worker.drain();
    const first = stream('dee');
    await replayed(first);
    // eli's photo is stamped first (its instance's clock) but reaches the log after fay's.
    const earlier = uniqueTimestamp();
    const later = await post('fay');
    await expect.poll(() => posts(first)).toEqual([later]);
    const lastId = first.of('post')[0]!.id;
    first.close();

    const outOfOrder = await post('eli', earlier);
    await worker.drain();
    const again = stream('dee', lastId);
    await replayed(again);
    await expect.poll(() => posts(again)).toEqual([outOfOrder]);
    // And not twice: a reconnect from the newest id owes neither post.
    const newest = again.of('post').at(-1)!.id;
    again.close();
    const third = stream('dee', newest);
    await replayed(third);
    const next = await post('fay');
    await expect.poll(() => posts(third)).toEqual([next]);
    third.close();
  });

  it('more posts than an id names: the oldest fall under its floor, and a reconnect sends none of them again', async () => {
    await follow('gus', 'hal');
    await worker.drain();
    const first = stream('gus');
    await replayed(first);
    const sent: string[] = [];
    for (let i = 0; i <= TOLD_MAX + 1; i++) sent.push(await post('hal'));
    await expect.poll(() => posts(first)).toEqual(sent);
    const newest = first.of('post').at(-1)!.id;
    const named = decodeEventId(api.db.cursors, newest, 'gus')!;
    expect(named.told).toHaveLength(TOLD_MAX);
    first.close();
    // All of them are still in the instance's memory and the log's look-back.
    const again = stream('gus', newest);
    await replayed(again);
    const next = await post('hal');
    await expect.poll(() => posts(again)).toEqual([next]);
    again.close();

    // The former plain three-position form is no id a stream sends now: refused, and the client reconnects without it.
    const older = Buffer.from(JSON.stringify([named.activity, named.feed, named.notice]), 'utf8').toString('base64url');
    const refused = await api.call('GET', '/v1/me/events', { token: s.gus!.accessToken, headers: { 'last-event-id': older } });
    expect(refused.status).toBe(400);
    expect(refused.body).toMatchObject({ error: { code: 'INVALID_LAST_EVENT_ID' } });
  });

  it('a reconnect judges the newest few posts heard meanwhile, whoever posted: its read stays bounded', async () => {
    await follow('jon', 'ivy');
    await worker.drain();
    const keeper = stream('jon');
    await replayed(keeper);
    const first = stream('ivy');
    await replayed(first);
    const lastId = first.of('unread')[0]!.id;
    first.close();
    // Away: more posts by someone ivy does not follow than one BatchGetItem could judge; jon hears them all.
    const many = 110;
    const sent: string[] = [];
    for (let i = 0; i < many; i++) sent.push(await post('kim'));
    await worker.drain();
    metrics.reset();
    const again = stream('ivy', lastId);
    await replayed(again);
    // The look-back's posts number more than a hundred; the newest 4 x EVENTS_CATCH_UP_MAX are judged, in one read.
    expect(many + 2).toBeGreaterThan(100);
    expect(HEARD_JUDGED_PER_BOUND * 6 + 2).toBeLessThanOrEqual(100);
    expect(metrics.byPattern().visiblePosts).toEqual({ BatchGetItem: 1 });
    expect(posts(again)).toEqual([]);
    again.close();
    keeper.close();
    expect(sent).toHaveLength(many);
  });
});
