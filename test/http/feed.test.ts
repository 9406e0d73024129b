/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * GET /v1/me/feed over real HTTP, with the worker consuming DynamoDB Local's real stream:
 * fan-out, the celebrity merge, backfill on follow, removal on unfollow and photo deletion,
 * read-time filtering before the worker catches up, pagination and viewer state.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedDb } from '../../src/derived/store/index.js';
import { createWorker, type Worker } from '../../src/derived/worker.js';
import { deletePhoto, getFeed, uploadPhoto } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { derivedRanges } from '../../src/schema/keys.js';
import { imageForm, PNG_1x1, signUp, startApi, testConfig, type Api, type Session } from './support.js';

// Two followers make a celebrity here, so the merge path runs on a handful of users.
const THRESHOLD = '3';
let api: Api;
let worker: Worker;
const s: Record<string, Session> = {};

async function feed(who: string, query = ''): Promise<any> {
  const answer = await api.call('GET', `/v1/me/feed${query}`, { token: s[who]!.accessToken });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
}
const ids = (body: any): string[] => body.items.map((i: any) => i.photo.id);

async function storedEntries(reader: string): Promise<string[]> {
  const derived = derivedDb(api.db);
  const result = await derived.doc.send(
    new QueryCommand({ TableName: derived.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': derivedRanges.feed(reader).pk } }),
  );
  return (result.Items ?? []).map((i) => String(i.SK));
}

async function follow(who: string, whom: string) {
  expect((await api.call('PUT', `/v1/users/${whom}/followers/me`, { token: s[who]!.accessToken })).status).toBe(201);
}

async function post(who: string): Promise<string> {
  const photo = await uploadPhoto(api.db, { username: who, location: `file:///${who}.png` });
  return photoId(who, photo.timestamp);
}

beforeAll(async () => {
  api = await startApi({ FEED_FANOUT_THRESHOLD: THRESHOLD });
  worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig({ FEED_FANOUT_THRESHOLD: THRESHOLD }).derived, pollMs: 50 } });
  for (const name of ['alice', 'bob', 'carol', 'dave', 'erin', 'star']) s[name] = await signUp(api, name);
});

afterAll(async () => {
  await worker.stop();
  await api.close();
});

describe('GET /v1/me/feed', () => {
  const posted: Record<string, string[]> = {};

  it("shows the followed users' photos and my own, newest first, with authors and my reactions", async () => {
    await follow('alice', 'bob');
    await follow('alice', 'carol');
    posted.bob = [await post('bob'), await post('bob')];
    posted.carol = [await post('carol')];
    posted.dave = [await post('dave')];
    posted.alice = [await post('alice')];
    await worker.drain();
    const body = await feed('alice');
    expect(ids(body)).toEqual([posted.alice[0], posted.carol[0], posted.bob[1], posted.bob[0]]);
    expect(body.nextCursor).toBeUndefined();
    const fromBob = body.items.find((i: any) => i.photo.id === posted.bob![0]);
    expect(fromBob.author).toEqual({
      username: 'bob',
      name: 'Name of bob',
      status: '',
      interests: [], private: false,
      followers: 1,
      following: 0,
      viewer: { following: true, followedBy: false, requested: false },
    });
    expect(fromBob.photo).toMatchObject({ username: 'bob', reactions: { '+1': 0, smiley: 0, sunglasses: 0, heart: 0 }, myReactions: [] });
    // A lab-style photo (no stored variants) has no image URL; uploaded ones do (next test).
    expect(fromBob.photo.imageUrl).toBeUndefined();
    expect(JSON.stringify(body)).not.toMatch(/USER#|PHOTO#|FEED#|email/);

    expect((await api.call('PUT', `/v1/photos/${posted.bob[0]}/reactions/heart`, { token: s.alice!.accessToken })).status).toBe(201);
    await follow('bob', 'alice');
    const after = await feed('alice');
    const again = after.items.find((i: any) => i.photo.id === posted.bob![0]);
    expect(again.photo.myReactions).toEqual(['heart']);
    expect(again.photo.reactions.heart).toBe(1);
    expect(again.author.viewer).toEqual({ following: true, followedBy: true, requested: false });
  });

  it('an uploaded photo arrives with signed image URLs and its placeholder, ready to show', async () => {
    const upload = await api.call('POST', '/v1/users/carol/photos', { token: s.carol!.accessToken, body: imageForm(PNG_1x1) });
    expect(upload.status).toBe(201);
    await worker.drain();
    const item = (await feed('alice')).items.find((i: any) => i.photo.id === upload.body.id);
    expect(item.photo.imageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1\/media\/v\//);
    expect(item.photo.variants.length).toBeGreaterThan(0);
    expect(item.photo.placeholder).toEqual(expect.any(String));
    expect((await api.call('GET', item.photo.imageUrl)).status).toBe(200);
    expect((await api.call('DELETE', `/v1/photos/${upload.body.id}`, { token: s.carol!.accessToken })).status).toBe(204);
    await worker.drain();
  });

  it('pages with an opaque cursor, without gaps or repeats, and rejects a page size over 16', async () => {
    const first = await feed('alice', '?limit=3');
    expect(first.items).toHaveLength(3);
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = await feed('alice', `?limit=3&cursor=${encodeURIComponent(first.nextCursor)}`);
    expect([...ids(first), ...ids(second)]).toEqual(ids(await feed('alice')));
    expect(second.nextCursor).toBeUndefined();
    expect((await api.call('GET', '/v1/me/feed?limit=17', { token: s.alice!.accessToken })).status).toBe(400);
    const foreign = await api.call('GET', `/v1/me/feed?cursor=${encodeURIComponent(first.nextCursor)}`, { token: s.bob!.accessToken });
    expect(foreign.status).toBe(400);
    expect(foreign.body.error.code).toBe('INVALID_CURSOR');
  });

  it('following backfills the recent photos; unfollowing hides them at once and the worker removes them', async () => {
    await follow('alice', 'dave');
    await worker.drain();
    expect(ids(await feed('alice'))).toContain(posted.dave![0]);

    expect((await api.call('DELETE', '/v1/users/bob/followers/me', { token: s.alice!.accessToken })).status).toBe(204);
    // Before the worker applies the unfollow, the read filters bob out.
    expect(ids(await feed('alice'))).not.toContain(posted.bob![0]);
    await worker.drain();
    expect((await storedEntries('alice')).some((sk) => sk.endsWith('#bob'))).toBe(false);
  });

  it('a deleted photo leaves every feed (read-time at once, then its entries are deleted by key)', async () => {
    await follow('erin', 'carol');
    const photo = await uploadPhoto(api.db, { username: 'carol', location: 'file:///c.png' });
    await worker.drain();
    const id = photoId('carol', photo.timestamp);
    expect(ids(await feed('alice'))).toContain(id);
    expect(ids(await feed('erin'))).toContain(id);
    await deletePhoto(api.db, 'carol', photo.timestamp);
    expect(ids(await feed('alice'))).not.toContain(id);
    await worker.drain();
    for (const reader of ['alice', 'erin', 'carol']) expect(await storedEntries(reader)).not.toContain(`${photo.timestamp}#carol`);
  });

  it('a celebrity (followers >= threshold) is not fanned out but merged at read time', async () => {
    for (const fan of ['alice', 'bob', 'carol']) await follow(fan, 'star');
    await worker.drain();
    const id = await post('star');
    await worker.drain();
    // No fanned-out entry in any follower's feed...
    for (const fan of ['alice', 'bob', 'carol']) expect((await storedEntries(fan)).some((sk) => sk.endsWith('#star'))).toBe(false);
    // ...yet it is in each of their feeds, first (it is the newest).
    for (const fan of ['alice', 'bob', 'carol']) expect(ids(await feed(fan))[0]).toBe(id);
    // The merge pages too: a page of one after it continues with the older photos.
    const first = await feed('alice', '?limit=1');
    expect(ids(first)).toEqual([id]);
    const rest = await feed('alice', `?cursor=${encodeURIComponent(first.nextCursor)}`);
    expect(ids(rest)).not.toContain(id);
    expect(ids(rest).length).toBeGreaterThan(0);
  });

  it("a block takes the other side's photos out of both feeds at once, and the worker removes them", async () => {
    await follow('erin', 'dave');
    await follow('dave', 'erin');
    const fromDave = await post('dave');
    const fromErin = await post('erin');
    await worker.drain();
    expect(ids(await feed('erin'))).toContain(fromDave);
    expect(ids(await feed('dave'))).toContain(fromErin);
    expect((await api.call('PUT', '/v1/blocks/dave', { token: s.erin!.accessToken })).status).toBe(201);
    // Before the worker has seen the block's unfollows, the reads leave the photos out.
    expect(ids(await feed('erin'))).not.toContain(fromDave);
    expect(ids(await feed('dave'))).not.toContain(fromErin);
    await worker.drain();
    expect((await storedEntries('erin')).some((sk) => sk.endsWith('#dave'))).toBe(false);
    expect((await storedEntries('dave')).some((sk) => sk.endsWith('#erin'))).toBe(false);
  });

  it('skips fanned-out entries past their TTL even before DynamoDB removes them', async () => {
    const fannedOut = (await storedEntries('erin')).length;
    expect(fannedOut).toBeGreaterThan(0);
    const others = (page: Awaited<ReturnType<typeof getFeed>>) => page.items.filter((item) => item.author.username !== 'erin');
    expect(others(await getFeed(api.db, 'erin')).length).toBeGreaterThan(0);
    // FEED_TTL_DAYS is 30: a day later than that, every fanned-out entry has expired.
    const later = Date.now() + 31 * 24 * 3600 * 1000;
    const expired = await getFeed(api.db, 'erin', {}, { now: later });
    expect(others(expired)).toEqual([]);
  });
});
