/** The local blob store's containment, and CORS as configured. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore, type BlobStore } from '../../src/blobs/index.js';
import { startApi, type Api } from './support.js';

describe('local blob store', () => {
  let dir: string;
  let store: BlobStore;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'qp-blobs-'));
    store = createLocalBlobStore(join(dir, 'photos'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores under its directory, returns a file URI, reads it back with its type, deletes it', async () => {
    const location = await store.put('alice/abc.png', Buffer.from('png-bytes'), 'image/png');
    expect(location).toBe(pathToFileURL(join(dir, 'photos', 'alice', 'abc.png')).href);
    const blob = await store.get(location);
    expect(blob?.contentType).toBe('image/png');
    expect(blob?.size).toBe(9);
    blob?.body.destroy();
    await store.delete(location);
    expect(await store.get(location)).toBeUndefined();
    await store.delete(location); // missing is fine
  });

  it('never reads or deletes outside its directory, and refuses unsafe keys', async () => {
    const outside = join(dir, 'secret.txt');
    await writeFile(outside, 'secret');
    for (const location of [pathToFileURL(outside).href, `file://${join(dir, 'photos', '..', 'secret.txt')}`, 'file:///etc/passwd', 's3://bucket/photos/x.png', 'not a uri']) {
      expect(await store.get(location), location).toBeUndefined();
      await store.delete(location);
    }
    expect(await readFile(outside, 'utf8')).toBe('secret');
    for (const key of ['../escape.png', 'alice/../../escape.png', '/abs.png', 'a//b.png']) {
      await expect(store.put(key, Buffer.from('x'), 'image/png'), key).rejects.toThrow(/Unsafe blob key/);
    }
  });
});

describe('CORS', () => {
  let api: Api;
  beforeAll(async () => {
    api = await startApi({ CORS_ORIGINS: 'https://app.example.com' });
  });
  afterAll(async () => {
    await api.close();
  });

  it('allows the configured origin only', async () => {
    const headers = { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' };
    const preflight = await api.call('OPTIONS', '/v1/sessions', { headers });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    const other = await api.call('GET', '/health', { headers: { origin: 'https://evil.example.com' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });
});
