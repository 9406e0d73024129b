/* eslint-disable @typescript-eslint/no-unsafe-member-access */
/**
 * Uploads under hostile or failing conditions: malformed multipart bodies, a username with
 * `..`, per-user quota and hourly bounds, a read-only and a full store. Each answers a clear
 * 4xx/503 with its code and leaves no file behind (neither in the store nor in the temporary
 * directory).
 */
import { execFileSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLocalBlobStore } from '../../src/blobs/index.js';
import { photoJpeg } from '../support/images.js';
import { signUp, startApi, type Api, type Session } from './support.js';

/** Regular files under a directory (empty directories are not leftovers). */
async function files(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name).slice(dir.length + 1)).sort();
}

function jpegForm(bytes: Buffer): FormData {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)], { type: 'image/jpeg' }), 'photo.jpg');
  return form;
}

/** A raw request whose body is sent exactly as given (chunked, so a truncated body ends cleanly). */
function rawPost(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; body: { error?: { code: string } } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { error?: { code: string } } }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('malformed bodies, odd usernames and quotas', () => {
  let api: Api;
  let tmp: string;
  let alice: Session;

  beforeAll(async () => {
    tmp = await mkdtemp(join(tmpdir(), 'qp-upload-tmp-'));
    api = await startApi({ UPLOAD_TMP_DIR: tmp, STORAGE_QUOTA_BYTES: '60000', UPLOADS_PER_HOUR: '3' });
    alice = await signUp(api, 'alice');
  });
  afterAll(async () => {
    await api.close();
    await rm(tmp, { recursive: true, force: true });
  });

  it('answers 400 MALFORMED_MULTIPART for a missing or wrong boundary and a truncated body, and keeps no partial file', async () => {
    const image = await photoJpeg(200, 200);
    const part = (boundary: string) =>
      Buffer.concat([
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
        image,
        Buffer.from(`\r\n--${boundary}--\r\n`),
      ]);
    const url = `${api.url}/v1/users/alice/photos`;
    const auth = { authorization: `Bearer ${alice.accessToken}` };
    const cases = {
      'no boundary': await rawPost(url, { ...auth, 'content-type': 'multipart/form-data' }, part('XYZ')),
      'wrong boundary': await rawPost(url, { ...auth, 'content-type': 'multipart/form-data; boundary=AAAA' }, part('BBBB')),
      truncated: await rawPost(url, { ...auth, 'content-type': 'multipart/form-data; boundary=XYZ' }, part('XYZ').subarray(0, 400)),
    };
    for (const [name, answer] of Object.entries(cases)) {
      expect(answer.status, name).toBe(400);
      expect(answer.body.error?.code, name).toBe('MALFORMED_MULTIPART');
    }
    expect(await files(api.photosDir)).toEqual([]);
    expect(await files(tmp)).toEqual([]);
  });

  it('accepts uploads from a username containing ..', async () => {
    const odd = await signUp(api, 'a..b');
    const answer = await api.call('POST', '/v1/users/a..b/photos', { token: odd.accessToken, body: jpegForm(await photoJpeg(64, 64)) });
    expect(answer.status).toBe(201);
    expect((await fetch(String(answer.body.imageUrl))).status).toBe(200);
  });

  it('bounds stored bytes (403 STORAGE_QUOTA_EXCEEDED) and uploads per hour (429 UPLOAD_RATE_EXCEEDED)', async () => {
    const carol = await signUp(api, 'carol');
    const upload = async (w: number) => api.call('POST', '/v1/users/carol/photos', { token: carol.accessToken, body: jpegForm(await photoJpeg(w, w)) });
    // A large noisy image: its variants alone exceed the 60 kB quota.
    const big = await upload(1200);
    expect(big.status).toBe(403);
    expect(big.body.error.code).toBe('STORAGE_QUOTA_EXCEEDED');
    const small = [await upload(40), await upload(40), await upload(40)];
    expect(small.map((a) => a.status)).toEqual([201, 201, 201]);
    const fourth = await upload(40);
    expect(fourth.status).toBe(429);
    expect(fourth.body.error.code).toBe('UPLOAD_RATE_EXCEEDED');
    // Refused uploads stored nothing: only the three photos' files are there.
    const stored = new Set(small.flatMap((a) => (a.body.variants as { url: string }[]).map((v) => v.url.split('?')[0])));
    const carolFiles = (await files(api.photosDir)).filter((f) => f.endsWith('.webp') || f.endsWith('.jpg'));
    expect(carolFiles.length).toBeGreaterThanOrEqual(stored.size);
  });
});

/** Mounting needs root (as in CI); elsewhere the read-only case falls back to permissions and disk-full is skipped. */
function canMount(): boolean {
  if (process.getuid?.() !== 0) return false;
  const probe = join(tmpdir(), `qp-mount-probe-${process.pid}`);
  try {
    execFileSync('mkdir', ['-p', probe]);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe]);
    return true;
  } catch {
    return false;
  } finally {
    execFileSync('rm', ['-rf', probe]);
  }
}

describe('storage that fails', () => {
  const mountable = canMount();
  let base: string;
  let store: string;
  let api: Api | undefined;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'qp-failing-store-'));
  });
  afterEach(async () => {
    await api?.close();
    api = undefined;
    if (mountable) execFileSync('umount', [store], { stdio: 'ignore' });
  });
  afterAll(async () => {
    await rm(base, { recursive: true, force: true });
  });

  async function startOn(dir: string): Promise<{ api: Api; session: Session }> {
    api = await startApi({ UPLOAD_TMP_DIR: join(base, 'tmp') }, { blobs: createLocalBlobStore(dir) });
    return { api, session: await signUp(api, 'dora') };
  }

  it('a read-only store answers 503 STORAGE_READ_ONLY and leaves no photo and no file', async () => {
    store = join(base, 'ro');
    await mkdir(store);
    if (mountable) execFileSync('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', store]);
    else await chmod(store, 0o555);
    const { api: app, session } = await startOn(store);
    const answer = await app.call('POST', '/v1/users/dora/photos', { token: session.accessToken, body: jpegForm(await photoJpeg(300, 300)) });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('STORAGE_READ_ONLY');
    expect((await app.call('GET', '/v1/users/dora/photos', { token: session.accessToken })).body.items).toEqual([]);
    expect(await files(store)).toEqual([]);
    expect(await files(join(base, 'tmp'))).toEqual([]);
    if (!mountable) await chmod(store, 0o755);
  });

  it.skipIf(!mountable)('a full store answers 503 STORAGE_FULL and removes the variants it had written', async () => {
    store = join(base, 'full');
    await mkdir(store);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', store]);
    // Leave about 24 kB free: the first small variant fits, the larger ones do not.
    await writeFile(join(store, 'filler'), Buffer.alloc(232 * 1024));
    const { api: app, session } = await startOn(store);
    const answer = await app.call('POST', '/v1/users/dora/photos', { token: session.accessToken, body: jpegForm(await photoJpeg(1600, 1200)) });
    expect(answer.status).toBe(503);
    expect(answer.body.error.code).toBe('STORAGE_FULL');
    expect((await app.call('GET', '/v1/users/dora/photos', { token: session.accessToken })).body.items).toEqual([]);
    expect(await files(store)).toEqual(['filler']);
  });
});
