/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
/**
 * The photo screen in one call: GET /v1/photos/{photoId}?expand=reactions,comments carries the
 * first pages of its reactions (with profiles) and comments, each as its list route answers it,
 * cursors continuing there. The seams walked as for the profile's expand=photos
 * (screen-answers.test.ts): a blocked viewer, a private account, a suspended author, comments
 * off, and comments and reactions by users the lists leave out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachMetrics, requestCounts } from '../../src/engine/metrics.js';
import { suspendUser, unsuspendUser } from '../../src/patterns/index.js';
import { photoId } from '../../src/schema/ids.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let ada: Session;
let ben: Session;
let cat: Session;
let photo: string;

async function post(session: Session): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
  expect(answer.status).toBe(201);
  return String(answer.body.id);
}

const get = (path: string, session: Session) => api.call('GET', path, { token: session.accessToken });
const ok = async (path: string, session: Session) => {
  const answer = await get(path, session);
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  return answer.body;
};

async function comment(session: Session, photoId: string, text: string): Promise<string> {
  const answer = await api.call('POST', `/v1/photos/${photoId}/comments`, { token: session.accessToken, json: { text } });
  expect(answer.status, JSON.stringify(answer.body)).toBe(201);
  return String(answer.body.id);
}

async function react(session: Session, photoId: string, type = 'heart'): Promise<void> {
  expect((await api.call('PUT', `/v1/photos/${photoId}/reactions/${type}`, { token: session.accessToken })).status).toBe(201);
}

/** The screen's answer and each list's own answer for `viewer`, at the same page sizes. */
async function screenAndLists(photoId: string, viewer: Session, limit = 20) {
  const screen = await ok(`/v1/photos/${photoId}?expand=reactions,comments&reactionsLimit=${limit}&commentsLimit=${limit}`, viewer);
  const reactions = await ok(`/v1/photos/${photoId}/reactions?expand=profile&limit=${limit}`, viewer);
  const comments = await ok(`/v1/photos/${photoId}/comments?limit=${limit}`, viewer);
  return { screen, reactions, comments };
}

interface PageBody {
  items: unknown[];
  nextCursor?: string;
}

/**
 * The same page as the list's: the same items, and a cursor (sealed afresh on every answer, so
 * not compared as text) where the list has one, continuing to the list's own next page.
 */
async function expectSamePage(got: PageBody, list: PageBody, next: (cursor: string) => string, viewer: Session, what: string): Promise<void> {
  expect(got.items, what).toEqual(list.items);
  expect(got.nextCursor === undefined, what).toBe(list.nextCursor === undefined);
  if (got.nextCursor === undefined || list.nextCursor === undefined) return;
  expect((await ok(next(got.nextCursor), viewer)).items, what).toEqual((await ok(next(list.nextCursor), viewer)).items);
}

const ids = (page: { items: { id: string }[] }) => page.items.map((c) => c.id);
const reactors = (page: { items: { reactingUser: string }[] }) => page.items.map((r) => r.reactingUser);

beforeAll(async () => {
  api = await startApi();
  [ada, ben, cat] = await Promise.all([signUp(api, 'ada'), signUp(api, 'ben'), signUp(api, 'cat')]);
  photo = await post(ada);
  for (const session of [ben, cat, ada]) await react(session, photo);
  for (const [i, session] of [ben, cat, ben].entries()) await comment(session, photo, `comment ${i}`);
});

afterAll(async () => {
  await api?.close();
});

describe('GET /v1/photos/{photoId}?expand=reactions,comments', () => {
  it("carries each list's first page as its route answers it, and the photo as the plain read does", async () => {
    const { screen, reactions, comments } = await screenAndLists(photo, ben);
    expect(screen.reactionPage).toEqual(reactions);
    expect(screen.commentPage).toEqual(comments);
    expect(reactors(screen.reactionPage)).toHaveLength(3);
    expect(screen.reactionPage.items.every((r: { user?: unknown }) => r.user !== undefined)).toBe(true);
    expect(screen.commentPage.items.map((c: { text: string }) => c.text)).toEqual(['comment 0', 'comment 1', 'comment 2']);
    const { reactionPage: _r, commentPage: _c, ...plain } = screen;
    expect(plain).toEqual(await ok(`/v1/photos/${photo}`, ben));
    // Without expand, or with one expansion, only what was asked for.
    expect(await ok(`/v1/photos/${photo}`, ben)).not.toHaveProperty('reactionPage');
    const one = await ok(`/v1/photos/${photo}?expand=comments`, ben);
    expect(one).toHaveProperty('commentPage');
    expect(one).not.toHaveProperty('reactionPage');
    expect(await ok(`/v1/photos/${photo}?expand=reactions`, ben)).not.toHaveProperty('commentPage');
  });

  it('their cursors continue on the list routes, nothing skipped or repeated', async () => {
    const screen = await ok(`/v1/photos/${photo}?expand=comments,reactions&reactionsLimit=2&commentsLimit=2`, ben);
    expect(screen.reactionPage.items).toHaveLength(2);
    expect(screen.commentPage.items).toHaveLength(2);
    const moreReactions = await ok(`/v1/photos/${photo}/reactions?expand=profile&cursor=${encodeURIComponent(String(screen.reactionPage.nextCursor))}`, ben);
    expect(new Set([...reactors(screen.reactionPage), ...reactors(moreReactions)])).toEqual(new Set(['ada', 'ben', 'cat']));
    expect(moreReactions.nextCursor).toBeUndefined();
    const moreComments = await ok(`/v1/photos/${photo}/comments?cursor=${encodeURIComponent(String(screen.commentPage.nextCursor))}`, ben);
    expect([...screen.commentPage.items, ...moreComments.items].map((c: { text: string }) => c.text)).toEqual(['comment 0', 'comment 1', 'comment 2']);
  });

  it("costs both lists' Queries and one BatchGetItem, the guard's keys in it; the previews by commenters decided from that batch", async () => {
    const meter = attachMetrics(api.db.lean!);
    const counted = async (session: Session) => {
      meter.reset();
      const screen = await ok(`/v1/photos/${photo}?expand=reactions,comments`, session);
      return { screen, counts: requestCounts(meter.snapshot()) };
    };
    try {
      // The newest comments (the previews) are ben's and cat's: cat's is a third party's to ben, both are to ada.
      const theirs = await counted(ben);
      expect(theirs.screen.comments.map((c: { author: string }) => c.author)).toEqual(['ben', 'cat']);
      expect(theirs.counts).toEqual({ BatchGetItem: 1, Query: 2 });
      const own = await counted(ada);
      expect(own.screen.comments.map((c: { author: string }) => c.author)).toEqual(['ben', 'cat']);
      expect(own.counts).toEqual({ BatchGetItem: 1, Query: 2 });
    } finally {
      meter.detach();
    }
  });

  it("one's own photo, and a photo with no reactions or comments (empty pages)", async () => {
    const own = await ok(`/v1/photos/${photo}?expand=reactions,comments`, ada);
    expect(reactors(own.reactionPage).sort()).toEqual(['ada', 'ben', 'cat']);
    expect(own.commentPage.items).toHaveLength(3);
    const bare = await post(cat);
    const empty = await ok(`/v1/photos/${bare}?expand=reactions,comments`, ben);
    expect(empty.reactionPage).toEqual({ items: [] });
    expect(empty.commentPage).toEqual({ items: [] });
  });

  it('refuses unknown expansions and page sizes out of range with a machine-readable code, before any read', async () => {
    for (const query of ['expand=everything', 'expand=photos', 'expand=reactions,photos', 'expand=reactions,', 'reactionsLimit=0', 'commentsLimit=1000']) {
      const answer = await get(`/v1/photos/${photo}?${query}`, ben);
      expect(answer.status, query).toBe(400);
      expect(answer.body.error.code, query).toBe('VALIDATION_FAILED');
    }
  });

  it('a photo that does not exist is 404 PHOTO_NOT_FOUND with expansions too', async () => {
    const gone = await post(ada);
    expect((await api.call('DELETE', `/v1/photos/${gone}`, { token: ada.accessToken })).status).toBe(204);
    const answer = await get(`/v1/photos/${gone}?expand=reactions,comments`, ben);
    expect(answer.status).toBe(404);
    expect(answer.body.error.code).toBe('PHOTO_NOT_FOUND');
  });
});

describe('the seams, as the list routes have them', () => {
  it('a blocked viewer: 404 as for nobody; a suspended author: 404 until unsuspended', async () => {
    const [bo, nosy] = [await signUp(api, 'bo'), await signUp(api, 'nosy')];
    const theirs = await post(bo);
    expect((await api.call('PUT', '/v1/blocks/nosy', { token: bo.accessToken })).status).toBe(201);
    expect((await get(`/v1/photos/${theirs}?expand=reactions,comments`, nosy)).body.error.code).toBe('PHOTO_NOT_FOUND');
    await suspendUser(api.db, 'bo', 'spam');
    expect((await get(`/v1/photos/${theirs}?expand=reactions,comments`, ben)).body.error.code).toBe('PHOTO_NOT_FOUND');
    await unsuspendUser(api.db, 'bo');
    expect((await ok(`/v1/photos/${theirs}?expand=reactions,comments`, ben)).author.username).toBe('bo');
  });

  it('a private account: 403 PRIVATE_ACCOUNT to a stranger, the pages to an approved follower', async () => {
    const [pia, fan, stranger] = [await signUp(api, 'pia'), await signUp(api, 'fan'), await signUp(api, 'stranger')];
    const theirs = await post(pia);
    expect((await api.call('PUT', '/v1/users/pia/followers/me', { token: fan.accessToken })).status).toBe(201);
    await react(fan, theirs);
    await comment(fan, theirs, 'from a fan');
    expect((await api.call('PUT', '/v1/account/privacy', { token: pia.accessToken, json: { private: true } })).status).toBe(200);
    const refused = await get(`/v1/photos/${theirs}?expand=reactions,comments`, stranger);
    expect(refused.status).toBe(403);
    expect(refused.body).toEqual({ error: expect.objectContaining({ code: 'PRIVATE_ACCOUNT' }) });
    // The lists are read before the guard decides: the guard's answer still comes first, also for a photo that is not there.
    const missing = await get(`/v1/photos/${photoId('pia', '2020-01-01T00:00:00')}?expand=reactions,comments`, stranger);
    expect([missing.status, missing.body.error.code]).toEqual([403, 'PRIVATE_ACCOUNT']);
    expect((await get(`/v1/photos/${photoId('pia', '2020-01-01T00:00:00')}?expand=reactions,comments`, fan)).body.error.code).toBe('PHOTO_NOT_FOUND');
    const { screen, reactions, comments } = await screenAndLists(theirs, fan);
    expect(screen.reactionPage).toEqual(reactions);
    expect(screen.commentPage).toEqual(comments);
    expect(ids(screen.commentPage)).toHaveLength(1);
  });

  it('comments off: the comments already there, as the list shows them', async () => {
    const quiet = await post(ada);
    await comment(ben, quiet, 'before the switch');
    expect((await api.call('PUT', `/v1/photos/${quiet}/commenting`, { token: ada.accessToken, json: { enabled: false } })).status).toBe(200);
    const { screen, comments } = await screenAndLists(quiet, cat);
    expect(screen.commentsOff).toBe(true);
    expect(screen.commentPage).toEqual(comments);
  });

  it('comments and reactions by users the lists leave out (blocked either way, private not followed, suspended) are left out here too', async () => {
    const [host, blocked, blocker, hidden, banned, viewer] = await Promise.all(['host', 'blocked', 'blocker', 'hidden', 'banned', 'viewer'].map((name) => signUp(api, name)));
    const theirs = await post(host!);
    for (const session of [blocked, blocker, hidden, banned, ben]) {
      await react(session!, theirs);
      await comment(session!, theirs, `by ${session!.username}`);
    }
    expect((await api.call('PUT', '/v1/blocks/blocked', { token: viewer!.accessToken })).status).toBe(201);
    expect((await api.call('PUT', '/v1/blocks/viewer', { token: blocker!.accessToken })).status).toBe(201);
    expect((await api.call('PUT', '/v1/account/privacy', { token: hidden!.accessToken, json: { private: true } })).status).toBe(200);
    await suspendUser(api.db, 'banned', 'spam');
    // Page sizes smaller than what is there: the lists read on past the hidden ones, and so does the screen.
    for (const limit of [1, 2, 20]) {
      const { screen, reactions, comments } = await screenAndLists(theirs, viewer!, limit);
      const cursor = (c: string) => `cursor=${encodeURIComponent(c)}&limit=${limit}`;
      await expectSamePage(screen.reactionPage, reactions, (c) => `/v1/photos/${theirs}/reactions?expand=profile&${cursor(c)}`, viewer!, `reactions, limit ${limit}`);
      await expectSamePage(screen.commentPage, comments, (c) => `/v1/photos/${theirs}/comments?${cursor(c)}`, viewer!, `comments, limit ${limit}`);
    }
    const { screen } = await screenAndLists(theirs, viewer!);
    expect(screen.commentPage.items.map((c: { text: string }) => c.text)).toEqual(['by ben']);
    // The previews (ben's, then the suspended author's), decided from the lists' batch, as the plain read decides them.
    const { reactionPage: _r, commentPage: _c, ...plain } = screen;
    expect(plain).toEqual(await ok(`/v1/photos/${theirs}`, viewer!));
    expect(plain.comments.map((c: { author: string }) => c.author)).toEqual(['ben']);
    expect(reactors(screen.reactionPage)).not.toContain('blocked');
    expect(reactors(screen.reactionPage)).not.toContain('blocker');
    expect(reactors(screen.reactionPage)).not.toContain('banned');
    await unsuspendUser(api.db, 'banned');
  });
});
