/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * First run over HTTP, on the reference data derived by the stream worker: GET /v1/explore
 * (recent public photos of people I do not follow) and GET /v1/me/suggestions for someone who
 * follows nobody (the most followed and the most recently active accounts). Requests are counted as in
 * test/request-counts.test.ts: a bounded number, never a Scan. On the reference's slice (every
 * user and follow, each user's newest photos): its 70 photos page as the whole reference's 200 did.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadItems } from '../../src/admin/load.js';
import { checkpointAtLatest, deriveLoaded } from '../../src/admin/derive-initial.js';
import { buildViews, createWorker } from '../../src/derived/worker.js';
import { attachMetrics, requestCounts, type Metrics } from '../../src/engine/metrics.js';
import { blockUser, setPrivate, suspendUser, takeDownPhoto } from '../../src/patterns/index.js';
import { REFERENCE_ITEMS } from '../support/db.js';
import { referenceSlice } from '../derived/support.js';
import { signUp, startApi, testConfig, type Api, type Session } from './support.js';

let api: Api;
let metrics: Metrics;
let newbie: Session;

const slice = referenceSlice(REFERENCE_ITEMS, 3);
const reference = slice.map((line) => JSON.parse(line) as Record<string, unknown>);
/** Every loaded photo as `<timestamp>#<author>`, newest first: Explore's order. */
const allPhotos = reference
  .filter((item) => String(item.PK).startsWith('USER#') && String(item.SK).startsWith('PHOTO#'))
  .map((item) => `${String(item.timestamp)}Z#${String(item.username)}`)
  .sort()
  .reverse();
const mostFollowed = reference
  .filter((item) => String(item.SK).startsWith('#METADATA#'))
  .sort((a, b) => Number(b.followers) - Number(a.followers) || String(a.username).localeCompare(String(b.username)))
  .map((item) => String(item.username));

/** Runs the stream worker until it has applied everything written so far. */
async function derive(): Promise<void> {
  const worker = createWorker({ client: api.db.client, db: api.db, settings: { ...testConfig().derived, pollMs: 50 } });
  try {
    await worker.drain(120_000);
  } finally {
    await worker.stop();
  }
}

async function explorePages(token: string, limit: number): Promise<{ pages: string[][]; cursors: number }> {
  const pages: string[][] = [];
  let cursor: string | undefined;
  let cursors = 0;
  do {
    const answer = await api.call('GET', `/v1/explore?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`, { token });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    pages.push(answer.body.items.map((item: any) => `${item.photo.timestamp as string}#${item.author.username as string}`));
    cursor = answer.body.nextCursor;
    if (cursor) cursors++;
  } while (cursor && pages.length < 100);
  return { pages, cursors };
}

beforeAll(async () => {
  api = await startApi();
  await loadItems(api.db.doc, api.db.table, slice);
  newbie = await signUp(api, 'newbie');
  // The loaded data derived as `npm start` derives it (the views' own code, the stream's
  // checkpoints moved past it); the tests' later changes go through the stream worker.
  const settings = testConfig().derived;
  await deriveLoaded(api.db, (on) => buildViews(on, settings));
  await checkpointAtLatest(api.db.client, api.db, settings);
  metrics = attachMetrics(api.db.lean ?? api.db.client);
}, 180_000);

afterAll(async () => {
  metrics.detach();
  await api.close();
});

describe('GET /v1/explore', () => {
  it('pages through every public photo of the people I do not follow, newest first, each once', async () => {
    const { pages } = await explorePages(newbie.accessToken, 18);
    expect(pages.flat()).toEqual(allPhotos);
    expect(pages.slice(0, -1).every((page) => page.length === 18)).toBe(true);
    // Smaller pages cut the same list at other places: nothing skipped, nothing twice.
    expect((await explorePages(newbie.accessToken, 7)).pages.flat()).toEqual(allPhotos);
  });

  it('shapes its cards as the feed does, without private fields', async () => {
    const answer = await api.call('GET', '/v1/explore?limit=1', { token: newbie.accessToken });
    const [item] = answer.body.items;
    expect(Object.keys(item).sort()).toEqual(['author', 'photo']);
    expect(item.photo).toMatchObject({ id: expect.any(String), timestamp: expect.any(String), myReactions: [] });
    expect(item.author.viewer).toEqual({ following: false, followedBy: false, requested: false });
    expect(item.author).not.toHaveProperty('email');
  });

  it('a page is one Query per Explore partition and one BatchGetItem (the comment summaries ride on the photos), never a Scan', async () => {
    metrics.reset();
    const first = await api.call('GET', '/v1/explore?limit=9', { token: newbie.accessToken });
    expect(first.body.items).toHaveLength(9);
    expect(requestCounts(metrics.snapshot())).toEqual({ Query: 4, BatchGetItem: 1 });
    metrics.reset();
    await api.call('GET', `/v1/explore?limit=9&cursor=${encodeURIComponent(first.body.nextCursor as string)}`, { token: newbie.accessToken });
    expect(requestCounts(metrics.snapshot())).toEqual({ Query: 4, BatchGetItem: 1 });
  });

  it('leaves out whom I follow, blocks either way, private and suspended accounts, taken-down photos; at once, and after the worker', async () => {
    const photoOf = (author: string) => allPhotos.find((p) => p.endsWith(`#${author}`))!;
    const takenDown = photoOf('ppierce');
    expect((await api.call('PUT', '/v1/users/nmitchell/followers/me', { token: newbie.accessToken })).status).toBe(201);
    // Reference users have no password: their side is written by the patterns the routes call.
    await blockUser(api.db, 'vpadilla', 'newbie');
    expect((await api.call('PUT', '/v1/blocks/geoffrey32', { token: newbie.accessToken })).status).toBe(201);
    await setPrivate(api.db, 'tmartinez', true);
    await suspendUser(api.db, 'jraymond', 'spam');
    await takeDownPhoto(api.db, 'ppierce', takenDown.slice(0, takenDown.lastIndexOf('#') - 1), 'spam');
    const gone = ['nmitchell', 'vpadilla', 'geoffrey32', 'tmartinez', 'jraymond'];
    const expected = allPhotos.filter((p) => p !== takenDown && !gone.includes(p.slice(p.lastIndexOf('#') + 1)));

    // Read-time checks: before the worker has applied anything.
    expect((await explorePages(newbie.accessToken, 18)).pages.flat()).toEqual(expected);
    await derive();
    expect((await explorePages(newbie.accessToken, 18)).pages.flat()).toEqual(expected);
    // Someone else still sees the blocked and followed ones (blocks and follows are mine).
    const other = await signUp(api, 'onlooker');
    const theirs = (await explorePages(other.accessToken, 18)).pages.flat();
    expect(theirs.some((p) => p.endsWith('#nmitchell'))).toBe(true);
    expect(theirs.some((p) => p.endsWith('#vpadilla'))).toBe(true);
    expect(theirs.some((p) => p.endsWith('#tmartinez') || p.endsWith('#jraymond') || p === takenDown)).toBe(false);
  });

  it('rejects a forged cursor and a page too large', async () => {
    expect((await api.call('GET', '/v1/explore?cursor=bogus', { token: newbie.accessToken })).body.error.code).toBe('INVALID_CURSOR');
    expect((await api.call('GET', '/v1/explore?limit=19', { token: newbie.accessToken })).status).toBe(400);
  });
});

describe('GET /v1/me/suggestions for someone who follows nobody', () => {
  it('offers the most followed accounts and recently active ones, each with its reason, in a bounded number of requests', async () => {
    const fresh = await signUp(api, 'fresh');
    await derive();
    metrics.reset();
    const answer = await api.call('GET', '/v1/me/suggestions?limit=10', { token: fresh.accessToken });
    expect(answer.status).toBe(200);
    expect(requestCounts(metrics.snapshot())).toEqual({ Query: 3, GetItem: 1, BatchGetItem: 2 });
    const items = answer.body.items as any[];
    expect(items).toHaveLength(10);
    const names = items.map((u) => u.username);
    const popular = items.filter((u) => u.reason === 'popular').map((u) => u.username);
    // The reference data's most followed (tmartinez went private and jraymond was suspended above), most first.
    const visible = mostFollowed.filter((u) => u !== 'tmartinez' && u !== 'jraymond');
    expect(popular.slice(0, 4).sort()).toEqual(visible.slice(0, 4).sort());
    expect(popular[0]).toBe('nmitchell');
    expect(items.some((u) => u.reason === 'active')).toBe(true);
    for (const hidden of ['fresh', 'tmartinez', 'jraymond']) expect(names).not.toContain(hidden);
    expect(new Set(names).size).toBe(names.length);
  });

  it('never suggests whom I follow, anyone a block stands between, or a suspended account', async () => {
    const fresh2 = await signUp(api, 'fresh2');
    await blockUser(api.db, 'haroldwatkins', 'fresh2');
    expect((await api.call('PUT', '/v1/blocks/vpadilla', { token: fresh2.accessToken })).status).toBe(201);
    await suspendUser(api.db, 'geoffrey32', 'spam');
    const names = ((await api.call('GET', '/v1/me/suggestions?limit=20', { token: fresh2.accessToken })).body.items as any[]).map((u) => u.username);
    expect(names).toContain('nmitchell');
    for (const hidden of ['haroldwatkins', 'vpadilla', 'geoffrey32', 'fresh2']) expect(names).not.toContain(hidden);
    expect((await api.call('PUT', '/v1/users/nmitchell/followers/me', { token: fresh2.accessToken })).status).toBe(201);
    const after = ((await api.call('GET', '/v1/me/suggestions?limit=20', { token: fresh2.accessToken })).body.items as any[]).map((u) => u.username);
    expect(after).not.toContain('nmitchell');
    expect(after.length).toBeGreaterThan(0);
  });
});
