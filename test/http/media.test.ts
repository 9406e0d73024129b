/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
/**
 * The media pipeline over HTTP, against both blob stores (a local directory and an S3 server):
 * multipart and direct uploads, signed delivery with caching headers, avatars, deletion.
 */
import { request as httpRequest } from 'node:http';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepStaleUploads } from '../../src/blobs/index.js';
import { carriesPrivateMetadata, jpegWithGps, photoJpeg, pngOf } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { signUp, startApi, type Api, type Session } from './support.js';

function form(bytes: Buffer, fields: Record<string, string> = {}, type = 'image/jpeg'): FormData {
  const body = new FormData();
  for (const [name, value] of Object.entries(fields)) body.append(name, value);
  body.append('file', new Blob([new Uint8Array(bytes)], { type }), 'photo.jpg');
  return body;
}

/** A GET with exactly these headers (fetch adds `cache-control: no-cache` to conditional requests, which defeats 304s). */
function plainGet(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const uniqueKeys = (variants: { url: string }[]) => new Set(variants.map((v) => v.url.split('?')[0])).size;


/**
 * The slot's headers as a browser's fetch sends them: Content-Length comes from the body (a page
 * may not set it). The lean DynamoDB client's undici also becomes the process's fetch dispatcher,
 * and it refuses a hand-set Content-Length from Node 20's built-in fetch.
 */
function putHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));
}
describe.each(STORE_KINDS)('media with the %s store', (kind) => {
  let api: Api;
  let store: TestStore;
  let alice: Session;
  let bob: Session;
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
  const get = (url: string, headers: Record<string, string> = {}) => fetch(absolute(url), { headers });

  beforeAll(async () => {
    store = await createTestStore(kind);
    api = await startApi({}, { blobs: store.blobs });
    alice = await signUp(api, 'alice');
    bob = await signUp(api, 'bob');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('uploads with a caption; every variant is served by a signed URL without a token, oriented and with no GPS or EXIF', async () => {
    const answer = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(await jpegWithGps(300, 200), { caption: 'Lunch by the river' }) });
    expect(answer.status).toBe(201);
    const photo = answer.body;
    expect(photo).toMatchObject({ username: 'alice', caption: 'Lunch by the river', width: 200, height: 300, placeholder: expect.any(String) });
    expect(photo.variants.map((v: { name: string; contentType: string }) => `${v.name}:${v.contentType}`)).toEqual([
      'thumb:image/webp',
      'feed:image/webp',
      'full:image/webp',
      'feedJpeg:image/jpeg',
    ]);
    expect(JSON.stringify(photo)).not.toMatch(/file:|s3:|USER#|PHOTO#/);
    for (const variant of photo.variants as { url: string; width: number; height: number; contentType: string }[]) {
      const response = await get(variant.url);
      expect(response.status, variant.url).toBe(200);
      expect(response.headers.get('content-type')).toBe(variant.contentType);
      const bytes = Buffer.from(await response.arrayBuffer());
      expect(await carriesPrivateMetadata(bytes)).toBe(false);
      const meta = await sharp(bytes).metadata();
      expect([meta.width, meta.height]).toEqual([variant.width, variant.height]);
    }
    // The stored files themselves, read from the store directly, carry nothing either.
    // A small image's feed and full sizes are the same bytes, stored once (within one photo only).
    const keys = (await store.keys()).filter((k) => k.startsWith('v/'));
    expect(keys).toHaveLength(uniqueKeys(photo.variants));
    expect(keys.length).toBeGreaterThanOrEqual(3);
    for (const key of keys) {
      const blob = await store.blobs.get(store.blobs.locationOf(key));
      const chunks: Buffer[] = [];
      for await (const chunk of blob!.body) chunks.push(chunk as Buffer);
      expect(await carriesPrivateMetadata(Buffer.concat(chunks)), key).toBe(false);
    }
    // Lists and single reads show one viewer the same signed URLs (each viewer has their own).
    const list = await api.call('GET', '/v1/users/alice/photos', { token: bob.accessToken });
    expect(list.body.items[0].variants).toHaveLength(4);
    const single = await api.call('GET', `/v1/photos/${photo.id}`, { token: bob.accessToken });
    expect(single.body.imageUrl).toBe(list.body.items[0].imageUrl);
    expect(single.body.imageUrl).not.toBe(photo.imageUrl);
  });

  it('serves images with immutable caching, Range and cross-origin headers; refuses forged, expired and raw-upload URLs', async () => {
    const photo = (await api.call('POST', '/v1/users/bob/photos', { token: bob.accessToken, body: form(await photoJpeg(400, 300)) })).body;
    const url: string = photo.imageUrl;
    const first = await fetch(absolute(url), { redirect: 'manual' });
    expect(first.headers.get('x-content-type-options')).toBe('nosniff');
    expect(first.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    const full = await get(url);
    expect(full.status).toBe(200);
    expect(full.headers.get('cache-control')).toMatch(/immutable/);
    const etag = full.headers.get('etag');
    expect(etag).toBeTruthy();
    const size = (await full.arrayBuffer()).byteLength;
    const range = await get(url, { range: 'bytes=0-99' });
    expect(range.status).toBe(206);
    expect((await range.arrayBuffer()).byteLength).toBe(100);
    expect(range.headers.get('content-range')).toBe(`bytes 0-99/${size}`);
    // Local store: this API answers the conditional GET; S3: the bucket does, behind the redirect.
    const target = kind === 'local' ? absolute(url) : first.headers.get('location')!;
    expect(await plainGet(target, { 'if-none-match': etag! })).toBe(304);

    const forged = url.replace(/sig=[^&]+/, 'sig=' + 'A'.repeat(43));
    expect((await get(forged)).status).toBe(403);
    const expired = url.replace(/expires=\d+/, 'expires=1000');
    expect((await get(expired)).status).toBe(403);
    const noSig = url.split('?')[0]!;
    expect((await get(noSig)).status).toBe(400);
  });

  it('direct upload: slot, PUT to the short-lived URL, finalise once with a caption; the raw file goes', async () => {
    const bytes = await photoJpeg(640, 480);
    const slot = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json: { contentLength: bytes.length, contentType: 'image/jpeg' } });
    expect(slot.status).toBe(201);
    expect(slot.body).toMatchObject({ method: 'PUT', uploadId: expect.any(String), expiresAt: expect.stringMatching(/Z$/) });
    if (kind === 's3') expect(slot.body.url).toMatch(/X-Amz-Signature=/);
    else expect(slot.body.url).toMatch(/^\/v1\/uploads\/.+sig=/);

    const early = await api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: {} });
    expect(early.status).toBe(409);
    expect(early.body.error.code).toBe('UPLOAD_NOT_RECEIVED');

    const put = await fetch(absolute(slot.body.url), { method: 'PUT', headers: putHeaders(slot.body.headers), body: new Uint8Array(bytes) });
    expect(put.status).toBeLessThan(300);
    expect(await store.keys()).toContain(`uploads/${slot.body.uploadId}`);

    const other = await api.call('POST', `/v1/users/bob/uploads/${slot.body.uploadId}/complete`, { token: bob.accessToken, json: {} });
    expect(other.status).toBe(404);
    const done = await api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: { caption: 'Sent straight to storage' } });
    expect(done.status).toBe(201);
    expect(done.body).toMatchObject({ caption: 'Sent straight to storage', width: 640, height: 480 });
    expect(await store.keys()).not.toContain(`uploads/${slot.body.uploadId}`);
    expect((await get(done.body.imageUrl)).status).toBe(200);
    // Finalised once: a repeat (a phone that missed the answer) gets the same photo, not a second one.
    const twice = await api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: {} });
    expect(twice.status).toBe(200);
    expect(twice.body.id).toBe(done.body.id);
  });

  it('sweeps raw files of direct uploads never finalised, once they are older than the bound', async () => {
    const bytes = await photoJpeg(64, 64);
    const slot = await api.call('POST', '/v1/users/bob/uploads', { token: bob.accessToken, json: { contentLength: bytes.length, contentType: 'image/jpeg' } });
    await fetch(absolute(slot.body.url), { method: 'PUT', headers: putHeaders(slot.body.headers), body: new Uint8Array(bytes) });
    const raw = `uploads/${slot.body.uploadId}`;
    expect(await sweepStaleUploads(store.blobs, 3600)).toBe(0);
    expect(await store.keys()).toContain(raw);
    expect(await sweepStaleUploads(store.blobs, 3600, Date.now() + 2 * 3600 * 1000)).toBeGreaterThanOrEqual(1);
    expect(await store.keys()).not.toContain(raw);
  });

  it('a direct upload that is not an image is refused with 415 and leaves nothing behind', async () => {
    const bytes = Buffer.from('%PDF-1.4 not an image at all');
    const slot = await api.call('POST', '/v1/users/bob/uploads', { token: bob.accessToken, json: { contentLength: bytes.length, contentType: 'image/png' } });
    await fetch(absolute(slot.body.url), { method: 'PUT', headers: putHeaders(slot.body.headers), body: new Uint8Array(bytes) });
    const done = await api.call('POST', slot.body.completeUrl, { token: bob.accessToken, json: {} });
    expect(done.status).toBe(415);
    expect(done.body.error.code).toBe('UNSUPPORTED_IMAGE');
    expect(await store.keys()).not.toContain(`uploads/${slot.body.uploadId}`);
  });

  it('avatars: square variants, shown on the profile; a new one replaces the old files', async () => {
    const first = await api.call('PUT', '/v1/users/bob/avatar', { token: bob.accessToken, body: form(await pngOf(300, 200, '#ff0000'), {}, 'image/png') });
    expect(first.status).toBe(200);
    expect(first.body.variants.map((v: { width: number; height: number }) => [v.width, v.height])).toEqual([[128, 128], [512, 512], [512, 512]]);
    const profile = await api.call('GET', '/v1/users/bob', { token: alice.accessToken });
    expect(profile.body.avatar.variants).toHaveLength(3);
    expect((await get(profile.body.avatar.variants[0].url)).status).toBe(200);
    const oldUrls: string[] = first.body.variants.map((v: { url: string }) => v.url);
    const second = await api.call('PUT', '/v1/users/bob/avatar', { token: bob.accessToken, body: form(await pngOf(300, 200, '#0000ff'), {}, 'image/png') });
    expect(second.status).toBe(200);
    for (const url of oldUrls) expect((await get(url)).status).toBe(404);
    const forbidden = await api.call('PUT', '/v1/users/bob/avatar', { token: alice.accessToken, body: form(await pngOf(10, 10), {}, 'image/png') });
    expect(forbidden.status).toBe(403);
    expect((await api.call('DELETE', '/v1/users/bob/avatar', { token: bob.accessToken })).status).toBe(204);
    expect((await api.call('GET', '/v1/users/bob', { token: alice.accessToken })).body.avatar).toBeUndefined();
    for (const v of second.body.variants as { url: string }[]) expect((await get(v.url)).status).toBe(404);
  });

  it("deleting a photo deletes its stored files", async () => {
    const photo = (await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(await photoJpeg(500, 500)) })).body;
    const before = await store.keys();
    expect((await api.call('DELETE', `/v1/photos/${photo.id}`, { token: alice.accessToken })).status).toBe(204);
    const after = await store.keys();
    expect(before.length - after.length).toBe(uniqueKeys(photo.variants));
    expect(after.filter((k) => k.startsWith('v/'))).not.toContain(photo.variants[0].url.split('?')[0].replace('/v1/media/', ''));
    for (const v of photo.variants as { url: string }[]) expect((await get(v.url)).status).toBe(404);
  });
});
