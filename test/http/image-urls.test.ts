/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
/**
 * Image URLs: absolute (from PUBLIC_URL, else the request's origin; X-Forwarded-* only behind
 * TRUST_PROXY), the same all day for one viewer (day-aligned windows, an injected clock), and
 * revoked at once by a block, going private, a photo's deletion and an account's deletion.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMediaUrls, signedCache } from '../../src/blobs/index.js';
import { pngOf } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { imageForm, profile, signUp, startApi, type Api, type Session } from './support.js';

const DAY = 86_400;
/** 10:00 UTC on a day well after now, so that S3-style expiries are in the future. */
const TEN_AM = (Math.floor(Date.now() / 1000 / DAY) + 2) * DAY + 10 * 3600;

describe('signed image URLs, unit', () => {
  it('are the same all day across what used to be a window tick, and change at midnight UTC', () => {
    let now = TEN_AM;
    const urls = createMediaUrls({ secret: 's', ttlSeconds: DAY, baseUrl: '', clock: () => now }).forViewer('https://a.example', 'bob');
    const first = urls.sign('v/ab/x.webp', 'alice', true);
    now = TEN_AM + 20 * 60; // past the old 15-minute window
    expect(urls.sign('v/ab/x.webp', 'alice', true)).toEqual(first);
    now = TEN_AM + 13 * 3600 + 59 * 60; // 23:59 UTC
    expect(urls.sign('v/ab/x.webp', 'alice', true)).toEqual(first);
    // Valid one to two days: the next day's URL is another one.
    expect(first.expires - TEN_AM).toBeGreaterThanOrEqual(DAY);
    expect(first.expires % DAY).toBe(0);
    now = TEN_AM + 14 * 3600 + 1; // 00:00:01 the next day
    expect(urls.sign('v/ab/x.webp', 'alice', true).url).not.toBe(first.url);
    expect(first.url.startsWith('https://a.example/v1/media/v/ab/x.webp?')).toBe(true);
  });

  it('bind the owner, the viewer and the kind under the MAC', () => {
    const urls = createMediaUrls({ secret: 's', ttlSeconds: DAY, baseUrl: '', clock: () => TEN_AM });
    const { url } = urls.forViewer('', 'bob').sign('v/ab/x.webp', 'alice', true);
    const query = Object.fromEntries(new URL(url, 'http://x').searchParams) as Record<string, string>;
    const parsed = { o: query.o!, v: query.v!, c: '1' as const, expires: Number(query.expires), sig: query.sig! };
    expect(urls.verify('v/ab/x.webp', parsed)).toEqual({ owner: 'alice', viewer: 'bob', content: true });
    expect(urls.verify('v/ab/x.webp', { ...parsed, v: 'carol' })).toBeUndefined();
    expect(urls.verify('v/ab/x.webp', { ...parsed, o: 'carol' })).toBeUndefined();
    expect(urls.verify('v/ab/x.webp', { o: parsed.o, v: parsed.v, expires: parsed.expires, sig: parsed.sig })).toBeUndefined();
    expect(urls.verify('v/ab/y.webp', parsed)).toBeUndefined();
  });

  it('are signed once per window from a bounded cache shared by every viewer\'s signer, each signature its own', () => {
    let now = TEN_AM;
    const cache = signedCache(3);
    const urls = createMediaUrls({ secret: 's', ttlSeconds: DAY, baseUrl: '', clock: () => now }, undefined, cache);
    const uncached = createMediaUrls({ secret: 's', ttlSeconds: DAY, baseUrl: '', clock: () => now }, undefined, signedCache(0));
    const bob = urls.forViewer('https://a.example', 'bob').sign('v/ab/x.webp', 'alice', true);
    expect(cache.size).toBe(1);
    // Another origin shares the entry (the path is the same), another viewer or kind does not.
    expect(urls.forViewer('https://b.example', 'bob').sign('v/ab/x.webp', 'alice', true).url).toBe(bob.url.replace('https://a.example', 'https://b.example'));
    expect(cache.size).toBe(1);
    const carol = urls.forViewer('', 'carol').sign('v/ab/x.webp', 'alice', true);
    const avatar = urls.forViewer('', 'bob').sign('v/ab/x.webp', 'alice', false);
    expect(new Set([bob.url.replace('https://a.example', ''), carol.url, avatar.url]).size).toBe(3);
    expect(carol).toEqual(uncached.forViewer('', 'carol').sign('v/ab/x.webp', 'alice', true));
    expect(avatar).toEqual(uncached.forViewer('', 'bob').sign('v/ab/x.webp', 'alice', false));
    // A new window signs anew; the cache never holds more than its bound.
    now = TEN_AM + DAY;
    const tomorrow = urls.forViewer('https://a.example', 'bob').sign('v/ab/x.webp', 'alice', true);
    expect(tomorrow.url).not.toBe(bob.url);
    expect(tomorrow).toEqual(uncached.forViewer('https://a.example', 'bob').sign('v/ab/x.webp', 'alice', true));
    for (let i = 0; i < 10; i++) urls.sign(`v/ab/${i}.webp`, 'alice', true);
    expect(cache.size).toBe(3);
  });
});

describe('the signed-path cache', () => {
  it('keeps what is read again: an entry read once it is in the older half moves to the recent end; eviction takes the least recent', () => {
    const cache = signedCache(4);
    for (const id of ['a', 'b', 'c', 'd']) cache.set(id, `/${id}`);
    // a is three insertions old (the older half): the hit moves it; d, just put, stays where it is.
    expect(cache.get('a')).toBe('/a');
    expect(cache.get('d')).toBe('/d');
    cache.set('e', '/e');
    cache.set('f', '/f');
    expect(cache.size).toBe(4);
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => cache.get(id) !== undefined)).toEqual([true, false, false, true, true, true]);
  });
});

describe('image URLs over HTTP, with a clock the test moves', () => {
  let now = TEN_AM;
  let api: Api;
  let alice: Session;
  let photoId: string;

  beforeAll(async () => {
    api = await startApi({}, { mediaClock: () => now });
    alice = await signUp(api, 'alice');
    const upload = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: imageForm(await pngOf(64, 48)) });
    photoId = upload.body.id;
  });
  afterAll(() => api.close());

  it('answers the same absolute URLs across a window tick within the day, which still load', async () => {
    const first = await api.call('GET', `/v1/photos/${photoId}`, { token: alice.accessToken });
    now = TEN_AM + 20 * 60;
    const second = await api.call('GET', `/v1/photos/${photoId}`, { token: alice.accessToken });
    expect(second.body.variants).toEqual(first.body.variants);
    expect(second.body.imageUrl).toBe(first.body.imageUrl);
    expect(first.body.imageUrl.startsWith(`${api.url}/v1/media/`)).toBe(true);
    expect(Date.parse(first.body.urlsExpireAt) / 1000 - TEN_AM).toBeGreaterThanOrEqual(DAY);
    const image = await fetch(first.body.imageUrl);
    expect(image.status).toBe(200);
    expect(image.headers.get('cache-control')).toMatch(/^private, max-age=\d+, immutable$/);
    // Past its expiry the URL is refused.
    now = Date.parse(first.body.urlsExpireAt) / 1000 + 1;
    expect((await fetch(first.body.imageUrl)).status).toBe(403);
  });
});

describe('absolute URLs from the request', () => {
  const apis: Api[] = [];
  afterAll(() => Promise.all(apis.map((a) => a.close())));

  // One service per configuration, with carol and her avatar (each start makes a table: slow under load).
  const services = new Map<string, Promise<{ api: Api; token: string }>>();
  function serviceFor(env: Record<string, string>) {
    const key = JSON.stringify(env);
    let service = services.get(key);
    if (!service) {
      service = (async () => {
        const api = await startApi(env);
        apis.push(api);
        const carol = await signUp(api, 'carol');
        await api.call('PUT', '/v1/users/carol/avatar', { token: carol.accessToken, body: imageForm(await pngOf(64, 64)) });
        return { api, token: carol.accessToken };
      })();
      services.set(key, service);
    }
    return service;
  }

  async function avatarUrl(env: Record<string, string>, headers: Record<string, string>): Promise<string> {
    const { api, token } = await serviceFor(env);
    const carol = { accessToken: token };
    // node:http, not fetch: fetch sets Host itself.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${api.url}/v1/me`, { headers: { ...headers, authorization: `Bearer ${carol.accessToken}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      req.end();
    });
    return (JSON.parse(body) as { avatar: { variants: { url: string }[] } }).avatar.variants[0]!.url;
  }

  it('uses the Host header, and ignores X-Forwarded-Host and -Proto unless TRUST_PROXY', async () => {
    const forwarded = { host: 'api.internal:3000', 'x-forwarded-host': 'photos.example', 'x-forwarded-proto': 'https' };
    expect(await avatarUrl({}, { host: 'photos.lan:3000' })).toMatch(/^http:\/\/photos\.lan:3000\/v1\/media\/v\//);
    expect(await avatarUrl({}, forwarded)).toMatch(/^http:\/\/api\.internal:3000\/v1\/media\/v\//);
    expect(await avatarUrl({ TRUST_PROXY: '1' }, forwarded)).toMatch(/^https:\/\/photos\.example\/v1\/media\/v\//);
    // PUBLIC_URL, when set, wins over everything.
    expect(await avatarUrl({ PUBLIC_URL: 'https://cdn.example', TRUST_PROXY: '1' }, forwarded)).toMatch(/^https:\/\/cdn\.example\/v1\/media\/v\//);
  }, 120_000);
});

describe.each(STORE_KINDS)('revocation with the %s store', (kind) => {
  let api: Api;
  let store: TestStore;

  beforeAll(async () => {
    store = await createTestStore(kind);
    api = await startApi({}, { blobs: store.blobs });
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  /** An owner with a photo and an avatar, and a viewer holding URLs to both. */
  async function scene(owner: string, viewer: string) {
    const o = await signUp(api, owner);
    const v = await signUp(api, viewer);
    const photo = await api.call('POST', `/v1/users/${owner}/photos`, { token: o.accessToken, body: imageForm(await pngOf(64, 48)) });
    await api.call('PUT', `/v1/users/${owner}/avatar`, { token: o.accessToken, body: imageForm(await pngOf(64, 64)) });
    const seen = await api.call('GET', `/v1/photos/${photo.body.id}`, { token: v.accessToken });
    const card = await api.call('GET', `/v1/users/${owner}`, { token: v.accessToken });
    const urls = { photo: seen.body.imageUrl as string, avatar: card.body.avatar.variants[0].url as string };
    expect((await fetch(urls.photo)).status).toBe(200);
    expect((await fetch(urls.avatar)).status).toBe(200);
    return { o, v, photoId: photo.body.id as string, urls };
  }
  const status = async (url: string) => (await fetch(url)).status;

  it('a block stops the blocked viewer\'s URLs at once, and only theirs', async () => {
    const { o, urls } = await scene(`${kind}blk`, `${kind}blkd`);
    const own = await api.call('GET', `/v1/users/${kind}blk`, { token: o.accessToken });
    expect((await api.call('PUT', `/v1/blocks/${kind}blkd`, { token: o.accessToken })).status).toBe(201);
    expect(await status(urls.photo)).toBe(404);
    expect(await status(urls.avatar)).toBe(404);
    // The owner's own URLs still load (the proof that the 404s are the block's).
    expect(await status(own.body.avatar.variants[0].url)).toBe(200);
  });

  it('going private stops a non-follower\'s photo URLs at once; the profile picture stays', async () => {
    const { o, urls } = await scene(`${kind}prv`, `${kind}strngr`);
    expect((await api.call('PUT', '/v1/account/privacy', { token: o.accessToken, json: { private: true } })).status).toBe(200);
    expect(await status(urls.photo)).toBe(404);
    expect(await status(urls.avatar)).toBe(200);
  });

  it('deleting the photo stops its URLs', async () => {
    const { o, photoId, urls } = await scene(`${kind}del`, `${kind}delv`);
    expect((await api.call('DELETE', `/v1/photos/${photoId}`, { token: o.accessToken })).status).toBe(204);
    expect(await status(urls.photo)).toBe(404);
    expect(await status(urls.avatar)).toBe(200);
  });

  it('deleting the account stops every URL to its images as the deletion starts', async () => {
    const owner = `${kind}gone`;
    const { o, urls } = await scene(owner, `${kind}gonev`);
    expect((await api.call('DELETE', '/v1/me', { token: o.accessToken, json: { password: profile(owner).password } })).status).toBe(202);
    expect(await status(urls.photo)).toBe(404);
    expect(await status(urls.avatar)).toBe(404);
  });
});
