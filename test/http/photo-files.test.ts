/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-return */
/**
 * Each photo owns its files, on both blob stores: identical bytes never share a file, so
 * deleting or taking down one photo, replacing an avatar, a retried or concurrent complete of
 * one direct-upload slot, and `doctor --fix` afterwards never take a live image.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditBlobs } from '../../src/admin/doctor-blobs.js';
import { deletePhotoFiles } from '../../src/blobs/index.js';
import { takeDownPhoto } from '../../src/patterns/index.js';
import { parsePhotoId } from '../../src/schema/ids.js';
import { plainJpeg, pngOf } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';
import { signUp, startApi, type Api, type Session } from './support.js';

function form(bytes: Buffer, type = 'image/jpeg'): FormData {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(bytes)], { type }), 'photo.jpg');
  return body;
}

const keyOf = (url: string) => new URL(url).pathname.replace('/v1/media/', '');
const withoutContentLength = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).filter(([name]) => name.toLowerCase() !== 'content-length'));

describe.each(STORE_KINDS)('photo files with the %s store', (kind) => {
  let api: Api;
  let store: TestStore;
  let alice: Session;
  const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
  const served = async (photo: { variants: { url: string }[] }) => Promise.all(photo.variants.map(async (v) => (await fetch(absolute(v.url))).status));
  const upload = async (bytes: Buffer) => {
    const answer = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(bytes) });
    expect(answer.status).toBe(201);
    return answer.body;
  };
  const read = (id: string) => api.call('GET', `/v1/photos/${id}`, { token: alice.accessToken });

  beforeAll(async () => {
    store = await createTestStore(kind);
    api = await startApi({}, { blobs: store.blobs });
    alice = await signUp(api, 'alice');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('two photos of the same bytes share no file: deleting one leaves the other served', async () => {
    const bytes = await plainJpeg(600, 400);
    const kept = await upload(bytes);
    const gone = await upload(bytes);
    const keptKeys = new Set(kept.variants.map((v: { url: string }) => keyOf(v.url)));
    for (const v of gone.variants as { url: string }[]) expect(keptKeys.has(keyOf(v.url))).toBe(false);

    expect((await api.call('DELETE', `/v1/photos/${gone.id}`, { token: alice.accessToken })).status).toBe(204);
    expect(await served(gone)).toEqual(gone.variants.map(() => 404));
    expect(await served(kept)).toEqual(kept.variants.map(() => 200));
  });

  it('a takedown removes every file of its photo and none of a twin with the same bytes', async () => {
    const bytes = await plainJpeg(500, 500);
    const kept = await upload(bytes);
    const taken = await upload(bytes);
    const ref = parsePhotoId(taken.id)!;
    // What `quick-photos takedown` does: the items, then the photo's own files.
    const { photo } = await takeDownPhoto(api.db, ref.username, ref.timestamp, 'spam');
    await deletePhotoFiles(store.blobs, photo);
    expect(await served(taken)).toEqual(taken.variants.map(() => 404));
    expect(await served(kept)).toEqual(kept.variants.map(() => 200));
    const keys = await store.keys();
    for (const v of taken.variants as { url: string }[]) expect(keys).not.toContain(keyOf(v.url));
  });

  it('an avatar of the same bytes as a photo, replaced and removed, leaves the photo served', async () => {
    const bytes = await plainJpeg(400, 400);
    const photo = await upload(bytes);
    expect((await api.call('PUT', '/v1/users/alice/avatar', { token: alice.accessToken, body: form(bytes) })).status).toBe(200);
    expect((await api.call('PUT', '/v1/users/alice/avatar', { token: alice.accessToken, body: form(bytes) })).status).toBe(200);
    expect((await api.call('DELETE', '/v1/users/alice/avatar', { token: alice.accessToken })).status).toBe(204);
    expect(await served(photo)).toEqual(photo.variants.map(() => 200));
  });

  it('the thinnest images (40000x1, 1x40000) are refused with 422 IMAGE_ASPECT_RATIO by every upload path, leaving nothing stored', async () => {
    const before = (await store.keys()).length;
    for (const [width, height] of [[40_000, 1], [1, 40_000]] as const) {
      const png = await pngOf(width, height);
      const photo = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body: form(png, 'image/png') });
      expect([photo.status, photo.body.error.code]).toEqual([422, 'IMAGE_ASPECT_RATIO']);
      const avatar = await api.call('PUT', '/v1/users/alice/avatar', { token: alice.accessToken, body: form(png, 'image/png') });
      expect([avatar.status, avatar.body.error.code]).toEqual([422, 'IMAGE_ASPECT_RATIO']);
      const slot = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json: { contentLength: png.length, contentType: 'image/png' } });
      expect((await fetch(absolute(slot.body.url), { method: 'PUT', headers: withoutContentLength(slot.body.headers), body: new Uint8Array(png) })).status).toBeLessThan(300);
      const done = await api.call('POST', slot.body.completeUrl, { token: alice.accessToken, json: {} });
      expect([done.status, done.body.error.code]).toEqual([422, 'IMAGE_ASPECT_RATIO']);
    }
    expect((await store.keys()).length).toBe(before);
  });

  async function filledSlot(bytes: Buffer): Promise<{ completeUrl: string; uploadId: string; url: string; headers: Record<string, string> }> {
    const slot = await api.call('POST', '/v1/users/alice/uploads', { token: alice.accessToken, json: { contentLength: bytes.length, contentType: 'image/jpeg' } });
    expect(slot.status).toBe(201);
    const put = await fetch(absolute(slot.body.url), { method: 'PUT', headers: withoutContentLength(slot.body.headers), body: new Uint8Array(bytes) });
    expect(put.status).toBeLessThan(300);
    return slot.body;
  }

  const photoCount = async () => (await api.call('GET', '/v1/users/alice/photos?limit=100', { token: alice.accessToken })).body.items.length as number;

  it('a repeated complete of one slot answers the same photo with 200, and a PUT to the used slot is refused', async () => {
    const before = await photoCount();
    const slot = await filledSlot(await plainJpeg(320, 240));
    const first = await api.call('POST', slot.completeUrl, { token: alice.accessToken, json: { caption: 'once' } });
    expect(first.status).toBe(201);
    const again = await api.call('POST', slot.completeUrl, { token: alice.accessToken, json: { caption: 'once' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('location')).toBe(first.headers.get('location'));
    expect(await photoCount()).toBe(before + 1);
    expect(await served(first.body)).toEqual(first.body.variants.map(() => 200));
    if (kind === 'local') {
      const late = await fetch(absolute(slot.url), { method: 'PUT', headers: withoutContentLength(slot.headers), body: new Uint8Array(await plainJpeg(320, 240)) });
      expect(late.status).toBe(404);
    }
  });

  it('two concurrent completes of one slot make one photo, both answer it, its images survive, and doctor --fix deletes nothing live', async () => {
    const before = await photoCount();
    const slot = await filledSlot(await plainJpeg(800, 600));
    const answers = await Promise.all([0, 1].map(() => api.call('POST', slot.completeUrl, { token: alice.accessToken, json: {} })));
    expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
    expect(answers[0]!.body.id).toBe(answers[1]!.body.id);
    const photo = answers[0]!.body;
    expect(await photoCount()).toBe(before + 1);
    expect(await served(photo)).toEqual(photo.variants.map(() => 200));

    const report = await auditBlobs(api.db, store.blobs, { graceSeconds: 0 });
    expect(report.problems.filter((p) => p.type !== 'orphan-file')).toEqual([]);
    await auditBlobs(api.db, store.blobs, { graceSeconds: 0, fix: true });
    expect((await read(photo.id)).status).toBe(200);
    expect(await served(photo)).toEqual(photo.variants.map(() => 200));
    expect((await auditBlobs(api.db, store.blobs, { graceSeconds: 0 })).problems).toEqual([]);
  });

  it('at the hourly upload bound, the concurrent complete that loses still answers the photo (200), not 429', async () => {
    const limited = await startApi({ UPLOADS_PER_HOUR: '1' }, { blobs: store.blobs });
    try {
      const hana = await signUp(limited, 'hana');
      const bytes = await plainJpeg(800, 600);
      const slot = await limited.call('POST', '/v1/users/hana/uploads', { token: hana.accessToken, json: { contentLength: bytes.length, contentType: 'image/jpeg' } });
      const target = slot.body.url.startsWith('/') ? limited.url + slot.body.url : slot.body.url;
      expect((await fetch(target, { method: 'PUT', headers: withoutContentLength(slot.body.headers), body: new Uint8Array(bytes) })).status).toBeLessThan(300);
      const answers = await Promise.all([0, 1].map(() => limited.call('POST', slot.body.completeUrl, { token: hana.accessToken, json: {} })));
      expect(answers.map((a) => a.status).sort()).toEqual([200, 201]);
      expect(answers[0]!.body.id).toBe(answers[1]!.body.id);
    } finally {
      await limited.close();
    }
  });
});
