/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-return, @typescript-eslint/no-unsafe-argument */
/** `doctor`'s stored-file audit, on both stores: orphans, photos and avatars with missing files, and --fix. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { auditBlobs } from '../src/admin/doctor-blobs.js';
import { createPhotoWithImage, uploadPhoto } from '../src/patterns/index.js';
import { photoId } from '../src/schema/ids.js';
import { keys } from '../src/schema/keys.js';
import { plainJpeg, pngOf } from './support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from './support/stores.js';
import { signUp, startApi, type Api, type Session } from './http/support.js';

const keyOf = (url: string) => new URL(url).pathname.replace('/v1/media/', '');

function form(bytes: Buffer): FormData {
  const body = new FormData();
  body.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'a.jpg');
  return body;
}

describe.each(STORE_KINDS)('doctor on stored files (%s store)', (kind) => {
  let api: Api;
  let store: TestStore;
  let erin: Session;
  beforeAll(async () => {
    store = await createTestStore(kind);
    api = await startApi({}, { blobs: store.blobs });
    erin = await signUp(api, 'erin');
  });
  afterAll(async () => {
    await api.close();
    await store.dispose();
  });

  it('reports orphans and missing files, then --fix deletes orphans, rebuilds or removes photos, drops broken avatars', async () => {
    const upload = async () => (await api.call('POST', '/v1/users/erin/photos', { token: erin.accessToken, body: form(await plainJpeg(1400, 1000)) })).body;
    const rebuildable = await upload();
    const lost = await upload();
    const avatar = (await api.call('PUT', '/v1/users/erin/avatar', { token: erin.accessToken, body: form(await pngOf(200, 200)) })).body;
    expect((await auditBlobs(api.db, store.blobs, { graceSeconds: 0 })).problems).toEqual([]);

    const { blobs } = store;
    await blobs.put('v/00/orphan.webp', Buffer.from('left behind'), 'image/webp');
    const thumb = keyOf(rebuildable.variants[0].url);
    await blobs.delete(blobs.locationOf(thumb));
    for (const v of lost.variants as { url: string }[]) await blobs.delete(blobs.locationOf(keyOf(v.url)));
    await blobs.delete(blobs.locationOf(keyOf(avatar.variants[0].url)));

    // A young orphan may be an upload in flight: not reported within the grace period.
    expect((await auditBlobs(api.db, store.blobs)).problems.map((p) => p.type)).not.toContain('orphan-file');
    const report = await auditBlobs(api.db, store.blobs, { graceSeconds: 0 });
    expect(report.problems.map((p) => p.type).sort()).toEqual(['missing-avatar-files', 'missing-photo-files', 'missing-photo-files', 'orphan-file']);

    const fixed = await auditBlobs(api.db, store.blobs, { graceSeconds: 0, fix: true });
    expect(fixed.fixed).toBe(4);
    // What the rebuild replaced is now an orphan of its own; a second pass leaves nothing.
    await auditBlobs(api.db, store.blobs, { graceSeconds: 0, fix: true });
    expect((await auditBlobs(api.db, store.blobs, { graceSeconds: 0 })).problems).toEqual([]);

    const rebuilt = await api.call('GET', `/v1/photos/${rebuildable.id}`, { token: erin.accessToken });
    expect(rebuilt.body.variants).toHaveLength(4);
    for (const v of rebuilt.body.variants as { url: string }[]) {
      const url = v.url.startsWith('/') ? api.url + v.url : v.url;
      expect((await fetch(url)).status).toBe(200);
    }
    expect((await api.call('GET', `/v1/photos/${lost.id}`, { token: erin.accessToken })).status).toBe(404);
    expect((await api.call('GET', '/v1/users/erin', { token: erin.accessToken })).body.avatar).toBeUndefined();
    expect(await store.keys()).not.toContain('v/00/orphan.webp');
  });

  it('never deletes a file a live photo references: a photo whose only file is its location, and former shared keys', async () => {
    const { blobs } = store;
    const served = async (key: string) => {
      const blob = await blobs.get(blobs.locationOf(key));
      blob?.body.destroy();
      return blob !== undefined;
    };
    // A photo from before variants: its image is the file its location names.
    await blobs.put('legacy/single.jpg', await plainJpeg(60, 40), 'image/jpeg');
    const single = await uploadPhoto(api.db, { username: 'erin', location: blobs.locationOf('legacy/single.jpg') });

    // Two photos of the former scheme sharing one content-addressed file.
    const bytes = await plainJpeg(64, 64);
    const shared = `v/ab/${createHash('sha256').update('erin\0').update(bytes).digest('hex')}.jpg`;
    await blobs.put(shared, bytes, 'image/jpeg');
    const image = { variants: [{ name: 'full', format: 'jpeg' as const, width: 64, height: 64, key: shared, bytes: bytes.length }], placeholder: '' };
    const quota = { bytes: 1e9, uploadsPerHour: 1000, openSlots: 20 };
    const make = () => createPhotoWithImage(api.db, { username: 'erin', location: blobs.locationOf(shared), image, bytes: bytes.length }, quota);
    const first = await make();
    const second = await make();

    expect((await api.call('DELETE', `/v1/photos/${photoId('erin', first.timestamp)}`, { token: erin.accessToken })).status).toBe(204);
    expect(await served(shared)).toBe(true);
    await auditBlobs(api.db, blobs, { graceSeconds: 0, fix: true });
    expect(await served(shared)).toBe(true);
    expect(await served('legacy/single.jpg')).toBe(true);
    const read = await api.call('GET', `/v1/photos/${photoId('erin', second.timestamp)}`, { token: erin.accessToken });
    const url: string = read.body.variants[0].url;
    expect((await fetch(url.startsWith('/') ? api.url + url : url)).status).toBe(200);
    expect((await api.call('GET', `/v1/photos/${photoId('erin', single.timestamp)}`, { token: erin.accessToken })).status).toBe(200);

    // Once nothing references the shared file, doctor removes it.
    expect((await api.call('DELETE', `/v1/photos/${photoId('erin', second.timestamp)}`, { token: erin.accessToken })).status).toBe(204);
    await auditBlobs(api.db, blobs, { graceSeconds: 0, fix: true });
    expect(await served(shared)).toBe(false);
  });

  it('a photo removed because none of its files is left no longer counts against its owner\'s quota', async () => {
    const used = async () => Number((await api.db.doc.send(new GetCommand({ TableName: api.db.table, Key: keys.storageUse('erin'), ConsistentRead: true }))).Item?.bytes ?? 0);
    const before = await used();
    const photo = (await api.call('POST', '/v1/users/erin/photos', { token: erin.accessToken, body: form(await plainJpeg(300, 200)) })).body;
    expect(await used()).toBeGreaterThan(before);
    for (const v of photo.variants as { url: string }[]) await store.blobs.delete(store.blobs.locationOf(keyOf(v.url)));
    await auditBlobs(api.db, store.blobs, { graceSeconds: 0, fix: true });
    expect((await api.call('GET', `/v1/photos/${photo.id}`, { token: erin.accessToken })).status).toBe(404);
    expect(await used()).toBe(before);
  });
});
