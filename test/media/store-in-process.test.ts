/** Variants stored by the image process itself (local store) or by the API process (S3): the same stored image either way, nothing left when the process dies. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { isDomainError } from '../../src/errors.js';
import { createImageProcessor, newImageId, PHOTO_VARIANTS, removeImage, variantKey } from '../../src/media/index.js';
import { signUp, startApi } from '../http/support.js';
import { photoJpeg } from '../support/images.js';
import { createTestStore, STORE_KINDS, type TestStore } from '../support/stores.js';

const limits = { maxPixels: 50_000_000 };
let dir: string;
let photo: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'qp-store-in-process-'));
  photo = join(dir, 'photo.jpg');
  await writeFile(photo, await photoJpeg(480, 320));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each(STORE_KINDS)('processAndStore with the %s store', (kind) => {
  let store: TestStore;
  const images = createImageProcessor({ mode: 'process', threads: 1, nice: 19, scheduling: 'idle', timeoutMs: 60_000 });
  const inline = createImageProcessor({ mode: 'inline', threads: 1, nice: 19, scheduling: 'idle', timeoutMs: 60_000 });
  beforeAll(async () => {
    store = await createTestStore(kind);
  });
  afterAll(async () => {
    await images.close();
    await store.dispose();
  });

  it('stores the variants inline processing stores, each readable with its content type', async () => {
    const apart = await images.processAndStore(photo, PHOTO_VARIANTS, limits, store.blobs);
    const here = await inline.processAndStore(photo, PHOTO_VARIANTS, limits, store.blobs);
    expect(apart.placeholder).toBe(here.placeholder);
    const shape = (v: (typeof apart.variants)[number]) => [v.name, v.format, v.width, v.height, v.bytes, v.key.slice(v.key.lastIndexOf('-'))];
    expect(apart.variants.map(shape)).toEqual(here.variants.map(shape));
    for (const variant of apart.variants) {
      const blob = await store.blobs.get(store.blobs.locationOf(variant.key));
      expect(blob?.contentType).toBe(variant.format === 'webp' ? 'image/webp' : 'image/jpeg');
      expect((await text(blob!.body)).length).toBeGreaterThan(0);
    }
    expect(await store.keys()).toEqual([...new Set([...apart.variants, ...here.variants].map((v) => v.key))].sort());
  });
});

describe.each(STORE_KINDS)('a photo uploaded through the image process with the %s store', (kind) => {
  it('is answered with every variant stored and served', async () => {
    const store = await createTestStore(kind);
    const api = await startApi({ MEDIA_WORKER: 'process' }, { blobs: store.blobs });
    try {
      const alice = await signUp(api, 'alice');
      const body = new FormData();
      body.append('file', new Blob([new Uint8Array(await photoJpeg(360, 240))], { type: 'image/jpeg' }), 'photo.jpg');
      const answer = await api.call('POST', '/v1/users/alice/photos', { token: alice.accessToken, body });
      expect(answer.status).toBe(201);
      const variants = (answer.body as { variants: { url: string }[] }).variants;
      const absolute = (url: string) => (url.startsWith('/') ? api.url + url : url);
      expect(await Promise.all(variants.map(async (v) => (await fetch(absolute(v.url))).status))).toEqual(variants.map(() => 200));
      expect((await store.keys()).length).toBe(new Set(variants.map((v) => v.url)).size);
    } finally {
      await api.close();
      await store.dispose();
    }
  });
});

describe('an image process that dies while storing', () => {
  let store: TestStore;
  const images = createImageProcessor({ mode: 'process', threads: 1, nice: 19, scheduling: 'idle', timeoutMs: 60_000 });
  beforeAll(async () => {
    store = await createTestStore('local');
  });
  afterAll(async () => {
    await images.close();
    await store.dispose();
  });

  it('fails the upload and leaves none of its files', async () => {
    const stored = images.processAndStore(photo, PHOTO_VARIANTS, limits, store.blobs);
    // Killed while it works on the image: the upload fails and nothing of it stays (removeImage, below, takes what a later kill leaves).
    await expect.poll(() => images.pid).toBeDefined();
    process.kill(images.pid!, 'SIGKILL');
    await expect(stored).rejects.toThrow(/image process exited/);
    await expect.poll(() => store.keys()).toEqual([]);
    // The next image is served by a new process.
    const again = await images.processAndStore(photo, PHOTO_VARIANTS, limits, store.blobs);
    expect((await store.keys()).length).toBe(new Set(again.variants.map((v) => v.key)).size);
  });

  it('fails an image past its bound with MEDIA_BUSY, kills its process and leaves none of its files', async () => {
    // 1 ms: less than a process takes to start, so the bound always passes first.
    const bounded = createImageProcessor({ mode: 'process', threads: 1, nice: 19, scheduling: 'idle', timeoutMs: 1 });
    const before = await store.keys();
    const stored = bounded.processAndStore(photo, PHOTO_VARIANTS, limits, store.blobs);
    const pid = bounded.pid!;
    const error = await stored.catch((e: unknown) => e);
    expect(isDomainError(error) && [error.code, error.kind]).toEqual(['MEDIA_BUSY', 'unavailable']);
    await expect.poll(() => bounded.pid).toBeUndefined();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect.poll(() => store.keys()).toEqual(before);
  });

  it('removeImage takes one image\'s files, half-written ones included, and no other image\'s', async () => {
    const blobs = createLocalBlobStore(join(dir, 'remove'));
    const [gone, kept] = [newImageId(), newImageId()];
    const bytes = Buffer.from('pixels');
    const goneKey = variantKey(gone, bytes, 'webp');
    await blobs.put(goneKey, bytes, 'image/webp');
    await blobs.put(`${goneKey}.0f1e2d3c.partial`, bytes, 'application/octet-stream');
    await blobs.put(variantKey(kept, bytes, 'webp'), bytes, 'image/webp');
    await removeImage(blobs, gone);
    const left: string[] = [];
    for await (const blob of blobs.list('')) left.push(blob.key);
    expect(left).toEqual([variantKey(kept, bytes, 'webp')]);
  });
});
