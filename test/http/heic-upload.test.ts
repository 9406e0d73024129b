/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call */
/**
 * iPhone photos (HEIC) over HTTP, against both blob stores: multipart and direct uploads give
 * the usual variants, oriented, with no GPS in any served file; the image bounds hold and a
 * refused HEIC leaves nothing stored.
 */
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { carriesPrivateMetadata } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { signUp, startApi, type Api, type Session } from './support.js';

const fixture = (name: string) => readFile(new URL(`../fixtures/heic/${name}`, import.meta.url));

function form(bytes: Buffer): FormData {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/heic' }), 'IMG_0001.HEIC');
  return body;
}

describe.each(STORE_KINDS)('HEIC uploads with the %s store', (kind) => {
  let api: Api;
  let store: TestStore;
  let alice: Session;
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);

  beforeAll(async () => {
    store = await createTestStore(kind);
    api = await startApi({}, { blobs: store.blobs });
    alice = await signUp(api, 'alice');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('a multipart HEIC with GPS becomes the usual variants, rotated as the file says, with no GPS in any served file', async () => {
    for (const [name, size] of [['gps.heic', [96, 64]], ['rotated.heic', [64, 96]]] as const) {
      const answer = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(await fixture(name)) });
      expect(answer.status, name).toBe(201);
      expect([answer.body.width, answer.body.height], name).toEqual(size);
      expect(answer.body.variants.map((v: { contentType: string }) => v.contentType)).toEqual(['image/webp', 'image/webp', 'image/webp', 'image/jpeg']);
      for (const variant of answer.body.variants as { url: string; contentType: string }[]) {
        const response = await fetch(absolute(variant.url));
        expect(response.status, variant.url).toBe(200);
        expect(response.headers.get('content-type')).toBe(variant.contentType);
        const bytes = Buffer.from(await response.arrayBuffer());
        expect(await carriesPrivateMetadata(bytes), `${name} ${variant.url}`).toBe(false);
        expect((await sharp(bytes).metadata()).exif).toBeUndefined();
      }
    }
  });

  it('a direct upload of a HEIC (image/heic) is finalised into a photo', async () => {
    const bytes = await fixture('rotated.heic');
    const slot = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json: { contentLength: bytes.length, contentType: 'image/heic' } });
    expect(slot.status).toBe(201);
    const headers = Object.fromEntries(Object.entries(slot.body.headers as Record<string, string>).filter(([h]) => h.toLowerCase() !== 'content-length'));
    const put = await fetch(absolute(slot.body.url), { method: 'PUT', headers, body: new Uint8Array(bytes) });
    expect(put.status).toBeLessThan(300);
    const done = await api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: {} });
    expect(done.status).toBe(201);
    expect([done.body.width, done.body.height]).toEqual([64, 96]);
  });

  it('holds HEIC to the image bounds with the same codes as other formats, and stores nothing it refuses', async () => {
    const before = (await store.keys()).length;
    const large = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(await fixture('too-large.heic')) });
    expect(large.status).toBe(413);
    expect(large.body.error.code).toBe('IMAGE_TOO_LARGE');
    const thin = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(await fixture('too-thin.heic')) });
    expect(thin.status).toBe(422);
    expect(thin.body.error.code).toBe('IMAGE_ASPECT_RATIO');
    expect((await store.keys()).length).toBe(before);
  });
});
