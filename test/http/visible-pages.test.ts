/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-explicit-any -- response bodies are asserted on, not typed */
/**
 * Lists of other users hide those the viewer blocks or is blocked by inside the list's own
 * reads, and still answer full pages: `limit` visible items while that many exist, the next
 * page continuing exactly where the last one stopped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachMetrics, requestCounts, type Metrics } from '../../src/engine/metrics.js';
import { blockUser, createUser, followUser, reactToPhoto, uploadPhoto } from '../../src/patterns/index.js';
import { VISIBLE_PAGE_READS } from '../../src/patterns/lists.js';
import { photoId } from '../../src/schema/ids.js';
import { signUp, startApi, type Api, type Session } from './support.js';

const STAR = 'star';
const FAN = 'fan';
const F = Array.from({ length: 10 }, (_, i) => `f${i}`);

let api: Api;
let metrics: Metrics;
let photo: string;
let watcher: Session; // blocks 3 of the 10
let bystander: Session; // blocks nobody: sees every one

beforeAll(async () => {
  api = await startApi();
  const db = { ...api.db, doc: api.db.patterns };
  const user = (username: string) => createUser(db, { username, name: username, email: `${username}@example.com`, birthdate: '1990-01-01' });
  await user(STAR);
  await user(FAN);
  const taken = await uploadPhoto(db, { username: STAR, location: 'file:///star.png' });
  photo = photoId(STAR, taken.timestamp);
  // Each f follows star, is followed by fan, and reacts to star's photo.
  for (const f of F) {
    await user(f);
    await followUser(db, f, STAR);
    await followUser(db, FAN, f);
    await reactToPhoto(db, { reactingUser: f, owner: STAR, timestamp: taken.timestamp, type: 'heart' });
  }
  [watcher, bystander] = [await signUp(api, 'watcher'), await signUp(api, 'bystander')];
  for (const f of ['f1', 'f4', 'f5']) await blockUser(db, watcher.username, f);
  metrics = attachMetrics(api.db.lean!);
});

afterAll(async () => {
  metrics.detach();
  await api.close();
});

/** Every page of `path` at `limit` as `session` sees them: each page's names, and the cursors' count. */
async function pages(session: Session, path: string, field: (item: any) => string, limit: number): Promise<string[][]> {
  const seen: string[][] = [];
  let cursor: string | undefined;
  do {
    const answer = await api.call('GET', `${path}${path.includes('?') ? '&' : '?'}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`, { token: session.accessToken });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    seen.push(answer.body.items.map(field));
    cursor = answer.body.nextCursor;
    expect(seen.length).toBeLessThanOrEqual(F.length + 1);
  } while (cursor);
  return seen;
}

const LISTS: [string, string, (item: any) => string][] = [
  ['followers', `/v1/users/${STAR}/followers`, (i) => i.followingUser],
  ['followers with profiles', `/v1/users/${STAR}/followers?expand=profile`, (i) => i.user.username],
  ['following', `/v1/users/${FAN}/following`, (i) => i.followedUser],
  ['following with profiles', `/v1/users/${FAN}/following?expand=profile`, (i) => i.user.username],
  ['reactions', `/v1/photos/PHOTO/reactions`, (i) => i.reactingUser],
  ['reactions with profiles', `/v1/photos/PHOTO/reactions?expand=profile`, (i) => i.user.username],
];

describe.each(LISTS)('%s of another user, seen by someone who blocks 3 of the 10', (_name, template, field) => {
  const path = () => template.replace('PHOTO', photo);

  it('come in full pages of `limit` visible users; the next page continues exactly', async () => {
    const all = (await pages(bystander, path(), field, 100)).flat();
    expect([...all].sort()).toEqual(F);
    const expected = all.filter((name) => !['f1', 'f4', 'f5'].includes(name));
    const seen = await pages(watcher, path(), field, 3);
    // 7 visible users at 3 a page: 3, 3, then the last one; nothing skipped, nothing repeated.
    expect(seen.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(seen.flat()).toEqual(expected);
  });
});

describe('blocked by a listed user', () => {
  it('hides the blocker as well, with pages still full', async () => {
    await blockUser({ ...api.db, doc: api.db.patterns }, 'f8', watcher.username);
    const seen = await pages(watcher, `/v1/users/${STAR}/followers`, (i) => i.followingUser, 3);
    expect(seen).toEqual([['f0', 'f2', 'f3'], ['f6', 'f7', 'f9']]);
  });
});

describe('the cost of a full page', () => {
  const count = async (session: Session, path: string) => {
    metrics.reset();
    const answer = await api.call('GET', path, { token: session.accessToken });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    return { counts: requestCounts(metrics.snapshot()), body: answer.body };
  };

  it('nothing hidden: the list read once, the block items in the profiles\' BatchGetItem', async () => {
    // The guard read (BatchGetItem) + the Query (+ the profiles and viewer state, block items included).
    expect((await count(bystander, `/v1/users/${STAR}/followers?limit=3`)).counts).toEqual({ BatchGetItem: 1, Query: 1 });
    expect((await count(bystander, `/v1/users/${STAR}/followers?limit=3&expand=profile`)).counts).toEqual({ BatchGetItem: 2, Query: 1 });
    expect((await count(watcher, `/v1/users/${STAR}/followers?limit=20&expand=profile`)).counts).toEqual({ BatchGetItem: 2, Query: 1 });
  });

  it('a hidden user costs one more read of the list for the shortfall (and its block items)', async () => {
    // f0, f1 (hidden), f2, then f3 for the shortfall.
    const { counts, body } = await count(watcher, `/v1/users/${STAR}/followers?limit=3&expand=profile`);
    expect(body.items.map((i: any) => i.followingUser)).toEqual(['f0', 'f2', 'f3']);
    expect(counts).toEqual({ BatchGetItem: 3, Query: 2 });
  });

  it(`reads the list at most ${VISIBLE_PAGE_READS} times a page: a page may so be short, its cursor exact`, async () => {
    const skipper = await signUp(api, 'skipper');
    const db = { ...api.db, doc: api.db.patterns };
    for (const f of F.slice(0, VISIBLE_PAGE_READS + 1)) await blockUser(db, skipper.username, f);
    const first = await count(skipper, `/v1/users/${STAR}/followers?limit=1`);
    expect(first.counts.Query).toBe(VISIBLE_PAGE_READS);
    expect(first.body.items).toEqual([]);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await count(skipper, `/v1/users/${STAR}/followers?limit=1&cursor=${first.body.nextCursor as string}`);
    expect(second.body.items.map((i: any) => i.followingUser)).toEqual([F[VISIBLE_PAGE_READS + 1]]);
  });
});
