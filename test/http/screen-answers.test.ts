/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
/**
 * The answers that make a screen one call: a photo carries its author's public card, and a
 * profile with expand=photos carries the first page of its photos. The seams: a blocked
 * viewer, a private account, a suspended author, and revalidation (ETag, 304) of the
 * combined answer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suspendUser, unsuspendUser } from '../../src/patterns/index.js';
import { imageForm, PNG_1x1, signUp, startApi, type Api, type Session } from './support.js';

let api: Api;
let ada: Session;
let ben: Session;
let cat: Session;
const photos: string[] = [];

/** What a card may carry: the public profile and the viewer's relation, never email, birthdate or address. */
const CARD_FIELDS = ['username', 'name', 'status', 'interests', 'followers', 'following', 'pinnedPhotoId', 'private', 'avatar', 'viewer'];

async function post(session: Session): Promise<string> {
  const answer = await api.call('POST', `/v1/users/${session.username}/photos`, { token: session.accessToken, body: imageForm(PNG_1x1) });
  expect(answer.status).toBe(201);
  return String(answer.body.id);
}

const get = (path: string, session: Session, headers: Record<string, string> = {}) => api.call('GET', path, { token: session.accessToken, headers });

beforeAll(async () => {
  api = await startApi();
  [ada, ben, cat] = await Promise.all([signUp(api, 'ada'), signUp(api, 'ben'), signUp(api, 'cat')]);
  for (let i = 0; i < 3; i++) photos.unshift(await post(ada));
  // ben follows ada; cat does not.
  expect((await api.call('PUT', '/v1/users/ada/followers/me', { token: ben.accessToken })).status).toBe(201);
});

afterAll(async () => {
  await api?.close();
});

describe("a photo carries its author's card", () => {
  it("another user's photo: the author's public card with the viewer's relation, and nothing private", async () => {
    const answer = await get(`/v1/photos/${photos[0]}`, ben);
    expect(answer.status).toBe(200);
    const { author } = answer.body;
    expect(author).toMatchObject({ username: 'ada', name: expect.any(String), followers: 1, private: false, viewer: { following: true, followedBy: false, requested: false } });
    for (const field of Object.keys(author)) expect(CARD_FIELDS, field).toContain(field);
    expect(answer.bytes.toString()).not.toContain('ada@example.com');
    // The same card as the profile route shows (less what only the profile carries).
    const profile = (await get('/v1/users/ada', ben)).body;
    expect(author.name).toBe(profile.name);
    expect(author.followers).toBe(profile.followers);
  });

  it('one\'s own photo: one\'s own card, no relation to oneself', async () => {
    const answer = await get(`/v1/photos/${photos[0]}`, ada);
    expect(answer.status).toBe(200);
    expect(answer.body.author).toMatchObject({ username: 'ada', viewer: { following: false, followedBy: false, requested: false } });
    expect(answer.body.author).not.toHaveProperty('email');
  });

  it("the photo's ETag changes when its author's card does (a new name), and stays for a repeat", async () => {
    const first = await get(`/v1/photos/${photos[1]}`, ben);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await get(`/v1/photos/${photos[1]}`, ben, { 'if-none-match': etag })).status).toBe(304);
    expect((await api.call('PATCH', '/v1/me', { token: ada.accessToken, json: { name: 'Ada Renamed' } })).status).toBe(200);
    const renamed = await get(`/v1/photos/${photos[1]}`, ben, { 'if-none-match': etag });
    expect(renamed.status).toBe(200);
    expect(renamed.body.author.name).toBe('Ada Renamed');
  });
});

describe('a profile with expand=photos: the profile screen in one call', () => {
  it('carries the first page of the photo list, whose cursor continues on that list', async () => {
    const combined = await get('/v1/users/ada?expand=photos&photosLimit=2', ben);
    expect(combined.status).toBe(200);
    const list = await get('/v1/users/ada/photos?limit=2', ben);
    // Cursors are sealed afresh on every answer: the items are the list's, and the cursor continues it.
    expect(combined.body.photos.items).toEqual(list.body.items);
    expect(combined.body.photos.nextCursor).toEqual(expect.any(String));
    expect(combined.body.photos.items.map((p: { id: string }) => p.id)).toEqual(photos.slice(0, 2));
    const next = await get(`/v1/users/ada/photos?limit=2&cursor=${encodeURIComponent(String(combined.body.photos.nextCursor))}`, ben);
    expect(next.body.items.map((p: { id: string }) => p.id)).toEqual(photos.slice(2));
    // The profile part is the profile route's answer.
    const { photos: _photos, ...profile } = combined.body;
    expect(profile).toEqual((await get('/v1/users/ada', ben)).body);
    // Without expand nothing changes.
    expect((await get('/v1/users/ada', ben)).body).not.toHaveProperty('photos');
  });

  it('one\'s own profile, and an account with no photos yet (an empty page, not an error)', async () => {
    const own = await get('/v1/users/ada?expand=photos', ada);
    expect(own.status).toBe(200);
    expect(own.body.photos.items).toHaveLength(3);
    expect(own.body).not.toHaveProperty('viewer');
    const empty = await get('/v1/users/cat?expand=photos', ben);
    expect(empty.status).toBe(200);
    expect(empty.body.photos).toEqual({ items: [] });
  });

  it('refuses a page size out of range, as the list does', async () => {
    const answer = await get('/v1/users/ada?expand=photos&photosLimit=1000', ben);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
    expect((await get('/v1/users/ada?expand=everything', ben)).status).toBe(400);
  });

  it('revalidates: 304 while nothing changed, a new answer once a photo on the page changes', async () => {
    const first = await get('/v1/users/ada?expand=photos', ben);
    const etag = first.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    expect((await get('/v1/users/ada?expand=photos', ben, { 'if-none-match': etag })).status).toBe(304);
    // The profile alone is another answer with its own tag.
    expect((await get('/v1/users/ada', ben)).headers.get('etag')).not.toBe(etag);
    expect((await api.call('PUT', `/v1/photos/${photos[0]}/reactions/heart`, { token: cat.accessToken })).status).toBe(201);
    const changed = await get('/v1/users/ada?expand=photos', ben, { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.body.photos.items[0].reactions.heart).toBe(1);
  });
});

describe('the seams', () => {
  it('a private account: the profile to everyone, its photos only to approved followers and itself', async () => {
    const [pia, fan, stranger] = [await signUp(api, 'pia'), await signUp(api, 'fan'), await signUp(api, 'stranger')];
    const photo = await post(pia);
    expect((await api.call('PUT', '/v1/users/pia/followers/me', { token: fan.accessToken })).status).toBe(201);
    expect((await api.call('PUT', '/v1/account/privacy', { token: pia.accessToken, json: { private: true } })).status).toBe(200);
    // The stranger: the profile, no photos (the list answers 403), and the photo is refused as before.
    const seen = await get('/v1/users/pia?expand=photos', stranger);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ username: 'pia', private: true });
    expect(seen.body).not.toHaveProperty('photos');
    expect((await get('/v1/users/pia/photos', stranger)).body.error.code).toBe('PRIVATE_ACCOUNT');
    expect((await get(`/v1/photos/${photo}`, stranger)).status).toBe(403);
    // The follower (who followed before it went private) and the owner see the photos and the card.
    expect((await get('/v1/users/pia?expand=photos', fan)).body.photos.items.map((p: { id: string }) => p.id)).toEqual([photo]);
    expect((await get('/v1/users/pia?expand=photos', pia)).body.photos.items).toHaveLength(1);
    expect((await get(`/v1/photos/${photo}`, fan)).body.author).toMatchObject({ username: 'pia', private: true, viewer: { following: true } });
  });

  it('a blocked viewer: the profile with its photos and the photo with its card are 404, as for nobody', async () => {
    const [bo, nosy] = [await signUp(api, 'bo'), await signUp(api, 'nosy')];
    const photo = await post(bo);
    expect((await api.call('PUT', '/v1/blocks/nosy', { token: bo.accessToken })).status).toBe(201);
    expect((await get('/v1/users/bo?expand=photos', nosy)).body.error.code).toBe('USER_NOT_FOUND');
    expect((await get(`/v1/photos/${photo}`, nosy)).body.error.code).toBe('PHOTO_NOT_FOUND');
    // The blocker still reads both (blocking hides the blocker from the blocked, not the other way).
    const theirs = await get('/v1/users/nosy?expand=photos', bo);
    expect(theirs.status).toBe(200);
    expect(theirs.body.viewer.blocking).toBe(true);
  });

  it('a suspended author: the profile with its photos and the photo are 404 to others until unsuspended', async () => {
    const sus = await signUp(api, 'sus');
    const photo = await post(sus);
    await suspendUser(api.db, 'sus', 'spam');
    expect((await get('/v1/users/sus?expand=photos', ben)).body.error.code).toBe('USER_NOT_FOUND');
    expect((await get(`/v1/photos/${photo}`, ben)).body.error.code).toBe('PHOTO_NOT_FOUND');
    await unsuspendUser(api.db, 'sus');
    expect((await get(`/v1/photos/${photo}`, ben)).body.author.username).toBe('sus');
    expect((await get('/v1/users/sus?expand=photos', ben)).body.photos.items).toHaveLength(1);
  });
});
